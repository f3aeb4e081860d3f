# hold_connections.py PID N: opens N connections to 127.0.0.1:18080 (a proxy, PID, in front of HTTP
# backends), one keep-alive request each, holds them 10 s; prints the proxy's RSS and CPU per connection.
import socket, sys, time, os, resource
pid, n = int(sys.argv[1]), int(sys.argv[2])
resource.setrlimit(resource.RLIMIT_NOFILE, (20000, 20000))
tick = os.sysconf("SC_CLK_TCK")
def rss():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS"): return int(line.split()[1])
def cpu():
    f = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(f[11]) + int(f[12])) / tick
r0, c0, t0 = rss(), cpu(), time.time()
socks = []
for i in range(n):
    s = socket.socket(); s.setblocking(True); s.connect(("127.0.0.1", 18080)); socks.append(s)
# one request per connection proves it is proxied end to end (keep-alive, stays open)
for s in socks: s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
ok = 0
for s in socks:
    s.settimeout(20); d = s.recv(4096); ok += d.startswith(b"HTTP/1.1 200")
t1 = time.time(); r1, c1 = rss(), cpu()
time.sleep(10); c2 = cpu(); r2 = rss()
for s in socks: s.close()
time.sleep(2); r3 = rss()
print(f"connections={n} answered={ok} setup_s={t1-t0:.1f} rss_fresh_kib={r0} rss_held_kib={r1} "
      f"per_conn_kib={(r1-r0)/n:.2f} cpu_setup_s={c1-c0:.2f} cpu_per_conn_us={(c1-c0)/n*1e6:.1f} "
      f"idle_cpu_10s={c2-c1:.3f} rss_after_close_kib={r3}")

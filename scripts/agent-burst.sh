#!/usr/bin/env bash
# A burst against `kproxy run` with a manifest folder: N services × 10 endpoints (one JSON file
# per service), then one endpoint changed in each of K services, the K files rewritten back to back.
# Prints the syncs the burst caused (from the agent's log) and how many of them came after the last
# write, then reads the kernel back (`nft list` in the netns) and checks every change is there.
# Usage: scripts/agent-burst.sh KPROXY_BINARY [SERVICES] [CHANGES]   (root: makes a netns)
set -euo pipefail
bin=$1; services=${2:-10000}; changes=${3:-1000}
source "$(dirname "$0")/agent-folder.sh"
agent_folder burst "$services"
agent_start "$bin"
sleep 2
python3 - "$dir" "$log" "$services" "$changes" <<'PY'
import sys, time, re, json
d, log, n, k = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
def stamp(line):
    s = re.search(r"kproxy: (\S+) info", line).group(1)
    return time.mktime(time.strptime(s[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0" + s[19:-1])
before = len(open(log).read().splitlines())
# Read everything first so the burst itself is only writes.
files = []
for i in range(k):
    path = f"{d}/svc{i * (n // k)}.json"
    lines = open(path).read().splitlines()
    sl = json.loads(lines[1]); sl["endpoints"][0]["addresses"] = [f"10.201.{i // 250}.{i % 250 + 1}"]
    files.append((path, lines[0] + "\n" + json.dumps(sl) + "\n"))
t0 = time.time()
for path, text in files:
    open(path, "w").write(text)
last = time.time()
print(f"burst: {k} files rewritten in {(last - t0) * 1000:.0f} ms")
# Wait until the agent has been quiet for 3 s (no new sync line).
quiet_since, seen = time.time(), before
while time.time() - quiet_since < 3:
    time.sleep(0.1)
    lines = open(log).read().splitlines()
    if len(lines) != seen: seen, quiet_since = len(lines), time.time()
syncs = [l for l in open(log).read().splitlines()[before:] if re.search(r"sync \d+ \(", l)]
after = 0
for l in syncs:
    t = stamp(l)
    if t >= last: after += 1
    print(f"  {t - last:+8.3f} s after the last write: {l.split('info: ', 1)[1] if 'info: ' in l else l}")
print(f"syncs during the burst: {len(syncs)}; ending after the last write: {after}")
open(d + ".want", "w").write("\n".join(f"10.201.{i // 250}.{i % 250 + 1}" for i in range(k)) + "\n")
PY
ip netns exec "$ns" nft list ruleset > "$dir.nft"
python3 - "$dir.nft" "$dir.want" "$services" "$changes" <<'PY'
import sys, re, ipaddress
text = open(sys.argv[1]).read()
want = open(sys.argv[2]).read().split()
n, k = int(sys.argv[3]), int(sys.argv[4])
present = set(re.findall(r"10\.201\.\d+\.\d+", text))
# The replaced endpoint (the first of each changed service) must be gone.
gone = [str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("10.0.0.0")) + i * (n // k) * 10)) for i in range(k)]
tokens = set(re.findall(r"\b10\.0\.\d+\.\d+\b", text))
missing = [a for a in want if a not in present]
stale = [a for a in gone if a in tokens]
print(f"kernel: {len(want) - len(missing)}/{len(want)} new endpoints present, {len(stale)} replaced endpoints still present")
sys.exit(1 if missing or stale else 0)
PY
echo "RSS at the end: $(ps -o rss= -p $pid) KiB"

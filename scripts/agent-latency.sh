#!/usr/bin/env bash
# Network-programming latency of `kproxy run` with a manifest folder: N services × 10 endpoints,
# one JSON file per service; then K single-endpoint changes, one file rewritten at a time after a
# quiet period. Prints, per change, the agent's own figure (event seen → commit, from its log)
# and the outside one (file written → the sync's log line), and percentiles of both.
# Usage: scripts/agent-latency.sh KPROXY_BINARY [SERVICES] [CHANGES]   (root: makes a netns)
set -euo pipefail
bin=$1; services=${2:-10000}; changes=${3:-30}
source "$(dirname "$0")/agent-folder.sh"
agent_folder lat "$services"
agent_start "$bin"
sleep 2
python3 - "$dir" "$log" "$changes" <<'PY'
import sys, time, re, json
d, log, k = sys.argv[1], sys.argv[2], int(sys.argv[3])
inside, outside = [], []
seen = len(open(log).read().splitlines())
for i in range(k):
    s = (i * 37) % 1000
    path = f"{d}/svc{s}.json"
    lines = open(path).read().splitlines()
    sl = json.loads(lines[1]); sl["endpoints"][0]["addresses"] = [f"10.200.{i // 250}.{i % 250 + 1}"]
    t0 = time.time()
    open(path, "w").write(lines[0] + "\n" + json.dumps(sl) + "\n")
    while True:
        new = open(log).read().splitlines()[seen:]
        hit = [l for l in new if "change to commit" in l]
        if hit:
            break
        time.sleep(0.002)
    seen += len(new)
    line = hit[-1]
    stamp = re.search(r"kproxy: (\S+) info", line).group(1)
    t1 = time.mktime(time.strptime(stamp[:19], "%Y-%m-%dT%H:%M:%S")) - time.timezone + float("0" + stamp[19:-1])
    inside.append(float(re.search(r"change to commit ([0-9.]+) ms", line).group(1)))
    outside.append((t1 - t0) * 1000)
    time.sleep(1.2)  # a quiet period: each change is synced at once
def pct(v, p): v = sorted(v); return v[min(len(v) - 1, int(round(p / 100 * (len(v) - 1))))]
for name, v in (("event seen -> commit (agent)", inside), ("file written -> sync logged", outside)):
    print(f"{name}: p50 {pct(v,50):.1f} ms, p90 {pct(v,90):.1f} ms, p99 {pct(v,99):.1f} ms, max {max(v):.1f} ms ({len(v)} changes)")
PY
echo "RSS after the changes: $(ps -o rss= -p $pid) KiB"

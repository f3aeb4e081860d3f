#!/usr/bin/env bash
# Steady state of `kproxy run` with a manifest folder: N services × 10 endpoints (one JSON file per
# service); after the first sync and a settling pause, the RSS, then the CPU time (utime + stime
# from /proc/PID/stat) the idle agent uses over SECONDS with the periodic sync running (30 s).
# Usage: scripts/agent-steady.sh KPROXY_BINARY [SERVICES] [SECONDS]   (root: makes a netns)
set -euo pipefail
bin=$1; services=${2:-50000}; seconds=${3:-300}
dir=$(mktemp -d); ns="kp-idle-$$"; log="$dir.log"
cleanup() { [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$dir" "$log"; }
trap cleanup EXIT
ip netns add "$ns"
python3 - "$dir" "$services" <<'PY'
import json, ipaddress, sys
d, n = sys.argv[1], int(sys.argv[2])
for s in range(n):
    cip = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address('172.16.0.0')) + s))
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc{s}", "namespace": f"ns{s%100}"},
           "spec": {"clusterIP": cip, "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}]}}
    eps = [{"addresses": [str(ipaddress.IPv4Address(int(ipaddress.IPv4Address('10.0.0.0')) + s * 10 + e))],
            "conditions": {"ready": True}} for e in range(10)]
    sl = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
          "metadata": {"name": f"svc{s}-a", "namespace": f"ns{s%100}", "labels": {"kubernetes.io/service-name": f"svc{s}"}},
          "addressType": "IPv4", "endpoints": eps, "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]}
    open(f"{d}/svc{s}.json", "w").write(json.dumps(svc) + "\n" + json.dumps(sl) + "\n")
PY
"$bin" run --netns "$ns" --manifests "$dir" --hostname-override n1 --healthz-bind-address '' --metrics-bind-address '' 2> "$log" &
pid=$!
until grep -q "sync 1 " "$log"; do sleep 0.2; kill -0 $pid; done
echo "first sync: $(grep 'sync 1 ' "$log" | sed 's/.*info: //')"
sleep 10
echo "RSS in steady state: $(ps -o rss= -p $pid) KiB"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks)
sleep "$seconds"
b=$(ticks)
python3 -c "print(f'idle CPU over $seconds s: {($b - $a) / $hz:.2f} s of CPU = {($b - $a) / $hz / $seconds * 100:.3f} % of a core')"

#!/usr/bin/env bash
# One-shot `kproxy apply` of one changed endpoint on a loaded table (the counterpart of the agent's
# partial sync): N services × 10 endpoints in one JSON file, applied once into a fresh netns; then
# one endpoint changed and applied again with --timing (each phase, decoding apart) and timed end to end.
# The second apply's CPU time (user, sys) and peak RSS are printed too; APPLY_WRAP="perf record -g -o F"
# runs it under a profiler (words split on spaces). The set state file goes to a folder of the run
# (STATE_DIR='' keeps none: the two largest sets are then flushed and refilled by the second apply).
# Usage: scripts/agent-apply.sh KPROXY_BINARY [SERVICES]   (root: makes a netns)
set -euo pipefail
bin=$1; services=${2:-50000}
dir=$(mktemp -d); ns="kp-apply-$$"
cleanup() { ip netns del "$ns" 2>/dev/null; rm -rf "$dir"; }
trap cleanup EXIT
ip netns add "$ns"
python3 - "$dir" "$services" <<'PY'
import json, ipaddress, sys
d, n = sys.argv[1], int(sys.argv[2])
def cluster(first):
    items = []
    for s in range(n):
        cip = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address('172.16.0.0')) + s))
        items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc{s}", "namespace": f"ns{s%100}"},
               "spec": {"clusterIP": cip, "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}]}})
        eps = [{"addresses": [str(ipaddress.IPv4Address(int(ipaddress.IPv4Address('10.0.0.0')) + s * 10 + e))],
                "conditions": {"ready": True}} for e in range(10)]
        if s == 7: eps[0]["addresses"] = [first]
        items.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
              "metadata": {"name": f"svc{s}-a", "namespace": f"ns{s%100}", "labels": {"kubernetes.io/service-name": f"svc{s}"}},
              "addressType": "IPv4", "endpoints": eps, "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]})
    return json.dumps({"apiVersion": "v1", "kind": "List", "items": items})
open(f"{d}/before.json", "w").write(cluster("10.0.0.70"))
open(f"{d}/after.json", "w").write(cluster("10.202.0.1"))
PY
echo "input: $(du -m "$dir/after.json" | cut -f1) MB JSON"
state=${STATE_DIR-$dir/state}
ip netns exec "$ns" "$bin" apply --manifests "$dir/before.json" --hostname-override n1 --timing --set-state-dir "$state"
read -ra wrap <<< "${APPLY_WRAP:-}"
start=$(date +%s.%N)
/usr/bin/time -f "second apply: %e s wall, %U s user, %S s sys, max RSS %M KiB" \
  ip netns exec "$ns" "${wrap[@]}" "$bin" apply --manifests "$dir/after.json" --hostname-override n1 --timing --set-state-dir "$state"
python3 -c "import time;print(f'one changed endpoint, end to end: {time.time()-$start:.2f} s')"
echo "load: $(uptime | sed 's/.*load average/load average/')"

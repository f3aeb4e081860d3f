# Sourced by the scripts/agent-*.sh benchmarks: a manifest folder of N services × 10 endpoints
# (one JSON file per service: Service + EndpointSlice) in a fresh netns, and `kproxy run` on it.
# Sets dir, ns, log, pid; removes everything on exit.

# agent_folder NAME SERVICES: the folder, the log path and the netns.
agent_folder() {
  dir=$(mktemp -d); ns="kp-$1-$$"; log="$dir.log"; pid=
  trap agent_cleanup EXIT
  ip netns add "$ns"
  python3 - "$dir" "$2" <<'PY'
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
}

# agent_start BINARY: `kproxy run --netns $ns --manifests $dir`; waits for its first sync.
agent_start() {
  local start; start=$(date +%s.%N)
  "$1" run --netns "$ns" --manifests "$dir" --hostname-override n1 --healthz-bind-address '' --metrics-bind-address '' 2> "$log" &
  pid=$!
  until grep -q "sync 1 " "$log"; do sleep 0.2; kill -0 "$pid"; done
  echo "first sync: $(grep 'sync 1 ' "$log" | sed 's/.*info: //') ($(python3 -c "import time;print(round(time.time()-$start,2))") s after start)"
}

agent_cleanup() {
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  wait 2>/dev/null
  ip netns del "$ns" 2>/dev/null
  rm -rf "$dir" "$dir".*
}

#!/bin/sh
# Generates the manifest-decoding benchmark inputs (BENCHMARKS.md "Manifest decoding") and times
# `decode-bench FILE` (swift build -c release --product decode-bench) and `kproxy compile` on them; usage: scripts/decode-bench.sh [DIR] [RUNS].
set -eu
dir=${1:-/tmp/decode-big}
runs=${2:-3}
mkdir -p "$dir"
python3 - "$dir" <<'PY'
import json, ipaddress, os, sys
import yaml
out = sys.argv[1]
def objects(n):
    items = []
    for s in range(n):
        cip = str(ipaddress.IPv4Address(int(ipaddress.IPv4Address('172.16.0.0')) + s))
        items.append({"apiVersion": "v1", "kind": "Service", "metadata": {"name": f"svc{s}", "namespace": f"ns{s%100}"}, "spec": {"type": "ClusterIP", "clusterIP": cip, "clusterIPs": [cip], "selector": {"app": f"svc{s}"}, "ports": [{"name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080}]}})
        eps = [{"addresses": [str(ipaddress.IPv4Address(int(ipaddress.IPv4Address('10.0.0.0')) + s*10 + e))], "conditions": {"ready": True}, "nodeName": f"node{e%50}"} for e in range(10)]
        items.append({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": f"svc{s}-abcde", "namespace": f"ns{s%100}", "labels": {"kubernetes.io/service-name": f"svc{s}"}}, "addressType": "IPv4", "endpoints": eps, "ports": [{"name": "http", "protocol": "TCP", "port": 8080}]})
    return items
small = objects(10000)
if not os.path.exists(f"{out}/list.json"):
    json.dump({"apiVersion": "v1", "kind": "List", "items": small}, open(f"{out}/list.json", "w"))
if not os.path.exists(f"{out}/list.yaml"):
    yaml.safe_dump_all(small, open(f"{out}/list.yaml", "w"))
if not os.path.exists(f"{out}/list50k.json"):
    json.dump({"apiVersion": "v1", "kind": "List", "items": objects(50000)}, open(f"{out}/list50k.json", "w"))
PY
ls -l "$dir"
[ "${GENERATE_ONLY:-}" = 1 ] && exit 0
for input in list.json list50k.json list.yaml; do
  for run in $(seq "$runs"); do
    .build/release/decode-bench "$dir/$input" --repeat 1
  done
done
# End to end (decoding, compiling, rendering), when the release kproxy is built.
[ -x .build/release/kproxy ] || exit 0
for input in list.json list.yaml list50k.json; do
  for run in $(seq "$runs"); do
    /usr/bin/time -f "compile $input: %e s wall, %M KB peak RSS" .build/release/kproxy compile --manifests "$dir/$input" \
      --node-ip 192.168.1.2 --hostname-override node0 --cluster-cidr 10.0.0.0/8 > /dev/null
  done
done

#!/usr/bin/env bash
# Cold start and restart of `kproxy run --master` at scale: the test API server (agent-coldstart)
# serves N Services + N EndpointSlices (JSON, paginated lists); kproxy starts in a fresh netns and
# the time to its first committed sync is printed; then kproxy is stopped and started again onto
# its tables (adoption), while a poller checks continuously (netlink GETSETELEM, microseconds per key) that a
# sample of services' cluster-ips elements and endpoint set and map elements never go missing, and that no set
# is declared anew (same kernel handles before and after). With --pods: Services with selectors and 10 Pods each, no
# slices (the pods source); prints the steady-state RSS.
# The agent keeps its set state file in a folder of the run (STATE_DIR='' keeps none: the restart then
# flushes and refills the sets above the read-back limit).
# Usage: [PERF_DIR=DIR] [STATE_DIR=DIR] scripts/agent-coldstart.sh KPROXY_BINARY AGENT_COLDSTART_BINARY [SERVICES] [--pods]   (root)
set -euo pipefail
bin=$1; server_bin=$2; services=${3:-50000}; pods=${4:-}
ns="kp-cold-$$"; work=$(mktemp -d); state=${STATE_DIR-$work/state}
cleanup() {
  [ -n "${poller:-}" ] && kill "$poller" 2>/dev/null
  [ -n "${pid:-}" ] && kill "$pid" 2>/dev/null
  [ -n "${server:-}" ] && kill "$server" 2>/dev/null
  wait 2>/dev/null; ip netns del "$ns" 2>/dev/null; rm -rf "$work"
}
trap cleanup EXIT
ip netns add "$ns"
"$server_bin" "$services" $pods > "$work/server.out" 2> "$work/server.err" &
server=$!
until grep -q '^ready ' "$work/server.out"; do sleep 0.2; kill -0 $server; done
url=$(sed -n 's/^ready //p' "$work/server.out")
echo "API server: $(cat "$work/server.err") at $url"

cpu() {  # CPU seconds (user, sys) of process $1 so far
  awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f s user + %.2f s sys", $14 / hz, $15 / hz }' "/proc/$1/stat"
}

run_agent() {  # $1: what; $2: log file. Prints the first committed sync, the seconds since the start and
  # the agent's CPU time until then (the wall time depends on the machine's load). With PERF_DIR set, the
  # machine is profiled until the agent's first sync (perf record -g -a, PERF_DIR/WHAT.data; the agent's pid is
# printed for `perf report --pid`).
  local log=$2 start perf=
  : > "$log"
  start=$(date +%s.%N)
  "$bin" run --netns "$ns" --master "$url" --hostname-override n1 --healthz-bind-address '' --metrics-bind-address '' \
    --set-state-dir "$state" > /dev/null 2> "$log" &
  pid=$!
  if [ -n "${PERF_DIR:-}" ]; then
    # System-wide: `perf record -p` does not follow the threads the agent starts later.
    perf record -q -g -a -o "$PERF_DIR/${1// /-}.data" 2> /dev/null &
    perf=$!
  fi
  until grep -q "sync 1 " "$log"; do sleep 0.05; kill -0 $pid; done
  echo "$1: $(grep 'sync 1 ' "$log" | sed 's/.*info: //') — $(python3 -c "import time;print(round(time.time()-$start,2))") s after start, CPU $(cpu $pid), pid $pid, load $(cut -d' ' -f1-3 /proc/loadavg)"
  if [ -n "$perf" ]; then kill -INT "$perf"; wait "$perf" || true; fi
}

run_agent "cold start" "$work/run1.log"
sleep 2
echo "RSS in steady state: $(ps -o rss= -p $pid) KiB"
[ -n "$pods" ] && exit 0

# A sample of services: each must keep its cluster IP, its endpoints-9to16 element and its endpoints-10 elements
# at every moment of the restart. Probed with one NFT_MSG_GETSETELEM per key (Benchmarks/agent-coldstart/
# probe.py): `nft get element` dumps the whole set first, ~8 s per probe at 50k services.
probe="$(dirname "$0")/../Benchmarks/agent-coldstart/probe.py"
probes=()
for s in 0 1 $((services / 2)) $((services - 1)); do
  ip=$(python3 -c "import ipaddress;print(ipaddress.IPv4Address(int(ipaddress.IPv4Address('172.16.0.0'))+$s))")
  probes+=("cluster-ips=$ip" "endpoints-9to16=$ip:80" "endpoints-10=$ip:80/0" "endpoints-10=$ip:80/9")
done
ip netns exec "$ns" python3 "$probe" handles > "$work/handles-before"
ip netns exec "$ns" python3 "$probe" poll "$work/stop" "${probes[@]}" > "$work/polls" 2> "$work/missing" &
poller=$!
sleep 0.5
stopping=$(date +%s.%N)
kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
echo "stop: $(python3 -c "import time;print(round(time.time()-$stopping,2))") s from SIGTERM to exit (the set state file written on the way out)"
run_agent "restart" "$work/run2.log"
sleep 1
touch "$work/stop"; wait "$poller"; poller=
read -r polls missing < "$work/polls"
echo "poller: $polls rounds of ${#probes[@]} probes during the restart, $missing found something missing"
head -5 "$work/missing"
ip netns exec "$ns" python3 "$probe" handles > "$work/handles-after"
if cmp -s "$work/handles-before" "$work/handles-after"; then
  echo "sets: the same $(wc -l < "$work/handles-after") sets (kernel handles) after the restart: none declared anew"
else
  echo "sets declared anew or removed by the restart (name handle, before → after):"
  diff "$work/handles-before" "$work/handles-after" || true
  missing=$((missing + 1))
fi
[ "$missing" = 0 ]

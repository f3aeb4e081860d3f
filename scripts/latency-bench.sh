#!/usr/bin/env bash
# Per-packet cost vs number of services: TCP connect latency to one ClusterIP with 1 and with
# N synthetic services loaded (kproxy-bench --emit, loaded with nft -f). Topology: client netns
# -> node netns (the ruleset) -> pod netns holding the service's endpoint IPs. As root.
# Usage: scripts/latency-bench.sh BENCH_BINARY [N ...]   (default N: 1 10000)
# ENDPOINTS=E (default 10): the probed service's endpoint count; SPREAD=1: the other services
# have 1..E-1 endpoints (E endpoint counts in use, the probed one's last in the pickers);
# COUNTERS=1: with per-service-port counters.
set -euo pipefail
bench="$1"; shift
sizes="${*:-1 10000}"
E="${ENDPOINTS:-10}"
spread=()
label="$E"
if [ "${SPREAD:-0}" = 1 ]; then spread=(--spread); label="1..$E"; fi
# COUNTERS=1: the rules count every packet per service port (kproxy --counters).
if [ "${COUNTERS:-0}" = 1 ]; then spread+=(--counters); label="$label, counters"; fi
root="$(cd "$(dirname "$0")/.." && pwd)"
p="kplat-$$"
work=$(mktemp -d)
cleanup() {
  for ns in node client pod; do
    ip netns pids "$p-$ns" 2>/dev/null | xargs -r kill 2>/dev/null || true
    ip netns del "$p-$ns" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
for ns in node client pod; do
  ip netns add "$p-$ns"
  ip netns exec "$p-$ns" ip link set lo up
  ip netns exec "$p-$ns" sysctl -qw net.ipv4.icmp_ratelimit=0
done
ip netns exec "$p-node" sysctl -qw net.ipv4.ip_forward=1
ip link add "$p-c" netns "$p-node" type veth peer name eth0 netns "$p-client"
ip link add "$p-p" netns "$p-node" type veth peer name eth0 netns "$p-pod"
ip -n "$p-node" addr add 192.168.1.2/24 dev "$p-c"
ip -n "$p-node" link set "$p-c" up
ip -n "$p-node" addr add 10.255.255.1/32 dev "$p-p"
ip -n "$p-node" link set "$p-p" up
ip -n "$p-client" addr add 192.168.1.100/24 dev eth0
ip -n "$p-client" link set eth0 up
ip -n "$p-client" route add default via 192.168.1.2
ip -n "$p-pod" link set eth0 up
ip -n "$p-pod" route add 10.255.255.1 dev eth0
ip -n "$p-pod" route add default via 10.255.255.1
ip netns exec "$p-pod" python3 "$root/fixtures/tools/accept_server.py" 8080 &
echo "| services × endpoints | connects | p50 µs | p90 µs | p99 µs | mean µs |"
echo "|---|---|---|---|---|---|"
for n in $sizes; do
  # The probed service: the middle one. ClusterIP 172.16.0.0 + k, endpoints 10.0.0.0 + Ek + e.
  k=$(( n / 2 ))
  read -r vip eps < <(python3 - "$k" "$E" <<'PY'
import ipaddress, sys
k, E = int(sys.argv[1]), int(sys.argv[2])
vip = ipaddress.IPv4Address(int(ipaddress.IPv4Address("172.16.0.0")) + k)
eps = [str(ipaddress.IPv4Address(int(ipaddress.IPv4Address("10.0.0.0")) + k * E + e)) for e in range(E)]
print(vip, ",".join(eps))
PY
)
  ip -n "$p-pod" addr flush dev eth0
  ip -n "$p-node" route flush dev "$p-p" 2>/dev/null || true
  ip -n "$p-node" route add 10.255.255.1 dev "$p-p" 2>/dev/null || true
  for ep in ${eps//,/ }; do
    ip -n "$p-pod" addr add "$ep/32" dev eth0
    ip -n "$p-node" route add "$ep/32" dev "$p-p"
  done
  ip -n "$p-pod" route replace 10.255.255.1 dev eth0
  ip -n "$p-pod" route replace default via 10.255.255.1
  "$bench" --services "$n" --endpoints "$E" "${spread[@]}" --repeat 1 --emit "$work/r.nft" >/dev/null
  ip netns exec "$p-node" nft -f "$work/r.nft"
  out=$(ip netns exec "$p-client" python3 "$root/fixtures/tools/connect_latency.py" "$vip" 80 --count "${CONNECTS:-3000}")
  eval "${out// /; }"
  echo "| $n × $label | $connects (failed $failures) | $p50_us | $p90_us | $p99_us | $mean_us |"
done

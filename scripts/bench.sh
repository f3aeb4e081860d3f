#!/usr/bin/env bash
# Runs kproxy-bench once per cluster size (one process each, so peak RSS is per row); then, as
# root, syncs each size through netlink into a fresh netns (full and incremental), and loads
# each emitted ruleset with `nft -f` (the kernel's share is the sys time) for comparison.
set -euo pipefail
bench="$1"
sizes="${BENCH_SIZES:-1000 10000 50000}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
first=1
for n in $sizes; do
  args=(--services "$n" --endpoints 10 --emit "$out/$n.nft")
  [ $first = 1 ] && args+=(--header)
  first=0
  "$bench" "${args[@]}"
done
if [ "$(id -u)" = 0 ]; then
  echo
  echo "Netlink backend, in-process (each size in a fresh network namespace):"
  for n in $sizes; do
    ns="kpnl-$$-$n"
    ip netns add "$ns"
    "$bench" --services "$n" --endpoints 10 --netlink "$ns" || true
    ip netns del "$ns"
    echo
  done
fi
if [ "$(id -u)" = 0 ] && command -v nft >/dev/null; then
  echo
  echo "| services × endpoints | nft -f wall s | user s | sys (kernel) s | nft peak RSS MB |"
  echo "|---|---|---|---|---|"
  for n in $sizes; do
    ns="kpbench-$$-$n"
    ip netns add "$ns"
    t=$( { /usr/bin/time -f '%e %U %S %M' ip netns exec "$ns" nft -f "$out/$n.nft" ; } 2>&1 | tail -n 1)
    ip netns del "$ns"
    read -r wall user sys rss <<<"$t"
    echo "| $n × 10 | $wall | $user | $sys | $((rss / 1024)) |"
  done
fi

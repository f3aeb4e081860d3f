#!/usr/bin/env bash
# Userspace proxy benchmark: runs Benchmarks/proxy-bench/proxy_bench.sh (a copy of the shared
# ../shared/proxy-bench harness; $PROXY_BENCH overrides) with the
# release proxy-server-bench (1 and 2 event-loop threads) beside HAProxy and nginx.
# Usage: proxy-bench.sh BINARY [proxy_bench.sh args]; PROXY_BENCH_CONFIGS overrides the config list.
set -euo pipefail
binary=${1:?usage: proxy-bench.sh PATH/TO/proxy-server-bench [proxy_bench.sh options]}
shift
bench=${PROXY_BENCH:-$(dirname "$0")/../Benchmarks/proxy-bench/proxy_bench.sh}
if [ ! -x "$bench" ] && [ ! -f "$bench" ]; then
  echo "proxy-bench: $bench not found (set PROXY_BENCH)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "proxy-bench: needs root (network namespaces)" >&2
  exit 1
fi
exec bash "$bench" --configs "${PROXY_BENCH_CONFIGS:-direct,haproxy-t1,haproxy-t2,nginx-w1,kproxy-t1,kproxy-t2}" "$@" \
  --proxy kproxy-t1 "PROXY_THREADS=1 exec $binary \"\$1\" \"\$2\" \"\$3\" \"\$4\"" \
  --proxy kproxy-t2 "PROXY_THREADS=2 exec $binary \"\$1\" \"\$2\" \"\$3\" \"\$4\""

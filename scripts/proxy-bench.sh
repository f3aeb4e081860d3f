#!/usr/bin/env bash
# Userspace proxy benchmark: runs /work/shared/proxy-bench/proxy_bench.sh (or $PROXY_BENCH) with the
# release proxy-server-bench beside HAProxy and nginx.  Usage: proxy-bench.sh BINARY [proxy_bench.sh args]
set -euo pipefail
binary=${1:?usage: proxy-bench.sh PATH/TO/proxy-server-bench [proxy_bench.sh options]}
shift
bench=${PROXY_BENCH:-/work/shared/proxy-bench/proxy_bench.sh}
if [ ! -x "$bench" ] && [ ! -f "$bench" ]; then
  echo "proxy-bench: $bench not found (set PROXY_BENCH)" >&2
  exit 1
fi
if [ "$(id -u)" != 0 ]; then
  echo "proxy-bench: needs root (network namespaces)" >&2
  exit 1
fi
exec bash "$bench" --configs direct,haproxy-t1,nginx-w1 "$@" \
  --proxy kproxy-t1 "PROXY_THREADS=1 exec $binary \"\$1\" \"\$2\" \"\$3\" \"\$4\""

#!/bin/bash
# loopback_cpu.sh BIN close|ka SECS [PERF_OUT]: BIN on 127.0.0.1:18080 (CPU 1) in front of HTTP backends on
# 127.0.0.11-13:18081 (start them yourself), wrk -c32 on CPU 0; prints req/s and the proxy CPU per request.
# BIN runs as BIN LISTEN BACKEND1 BACKEND2 BACKEND3 (proxy-server-bench; PROXY_CHURN_MS passes through).
BIN=$1; MODE=$2; SECS=${3:-8}; PERF=${4:-}
PROXY_THREADS=1 taskset -c 1 $BIN 127.0.0.1:18080 127.0.0.11:18081 127.0.0.12:18081 127.0.0.13:18081 2>/tmp/loopback_cpu.proxy.err &
P=$!
sleep 1
curl -s -o /dev/null -w '%{http_code}\n' http://127.0.0.1:18080/ || true
t0=$(awk '{print $14+$15}' /proc/$P/stat)
if [ -n "$PERF" ]; then perf record -F 2000 -g -p $P -o $PERF -- sleep $SECS >/dev/null 2>&1 & PP=$!; fi
H=(); [ $MODE = close ] && H=(-H "Connection: close")
taskset -c 0 wrk -t1 -c32 -d${SECS}s --latency "${H[@]}" http://127.0.0.1:18080/ > /tmp/loopback_cpu.wrk
t1=$(awk '{print $14+$15}' /proc/$P/stat)
[ -n "$PERF" ] && wait $PP
req=$(awk '/^Requests\/sec/{print $2}' /tmp/loopback_cpu.wrk); tot=$(awk '/requests in/{print $1}' /tmp/loopback_cpu.wrk)
tick=$(getconf CLK_TCK)
echo "$MODE rps=$req total=$tot cpu_s=$(echo "($t1-$t0)/$tick" | bc -l | cut -c1-6) cpu_us_per=$(echo "($t1-$t0)/$tick*1000000/$tot" | bc -l | cut -c1-6) load=$(cut -d' ' -f1-3 /proc/loadavg)"
grep -E "Socket errors|Non-2xx" /tmp/loopback_cpu.wrk
kill $P; wait $P 2>/dev/null

#!/usr/bin/env bash
# Steady state of `kproxy run` with a manifest folder: N services × 10 endpoints (one JSON file per
# service); after the first sync and a settling pause, the RSS, then the CPU time (utime + stime
# from /proc/PID/stat) the idle agent uses over SECONDS with the periodic sync running (30 s).
# Usage: scripts/agent-steady.sh KPROXY_BINARY [SERVICES] [SECONDS]   (root: makes a netns)
set -euo pipefail
bin=$1; services=${2:-50000}; seconds=${3:-300}
source "$(dirname "$0")/agent-folder.sh"
agent_folder idle "$services"
agent_start "$bin"
sleep 10
echo "RSS in steady state: $(ps -o rss= -p $pid) KiB"
ticks() { awk '{print $14 + $15}' "/proc/$pid/stat"; }
hz=$(getconf CLK_TCK)
a=$(ticks)
sleep "$seconds"
b=$(ticks)
python3 -c "print(f'idle CPU over $seconds s: {($b - $a) / $hz:.2f} s of CPU = {($b - $a) / $hz / $seconds * 100:.3f} % of a core')"

#!/usr/bin/env bash
# Installs the Debian packages kproxy's build, demo and tests need, if any is missing:
# nftables (nft, for loading and checking rulesets), libnftnl/libmnl headers, iproute2, python3;
# with the argument `bench`, also haproxy, nginx (stream), iperf3 and wrk for scripts/proxy-bench.sh.
set -euo pipefail

packages=(nftables libnftnl-dev libmnl-dev iproute2 python3 pkg-config time)
# `install-deps.sh bench`: also what the userspace proxy benchmark compares against (not needed by tests).
if [ "${1:-}" = bench ]; then packages+=(haproxy nginx libnginx-mod-stream iperf3 wrk); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
if ! command -v swift >/dev/null 2>&1; then
  if [ -x /opt/swift/usr/bin/swift ]; then
    echo "swift is at /opt/swift/usr/bin; add it to PATH" >&2
  else
    echo "swift toolchain not found: install Swift 6 (https://www.swift.org/install/linux/)" >&2
  fi
  exit 1
fi

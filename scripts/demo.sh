#!/usr/bin/env bash
# `make demo`: kproxy on the built-in example (fixtures/demo). As root it builds a sandbox (a node
# namespace with a pod namespace per endpoint, echo servers, an outside client), runs the agent in
# it and shows real traffic: a ClusterIP spreading connections over its pods, a NodePort reached
# from outside (masqueraded), what is programmed with its counters (kproxy status), a terminating
# endpoint taking over when the ready ones go, and the dry-run text of that incremental change.
# Without root it prints the dry-run ruleset.
# Usage: scripts/demo.sh KPROXY_BINARY
set -euo pipefail
bin=$1
root=$(cd "$(dirname "$0")/.." && pwd)
demo=$root/fixtures/demo
config=$demo/config.yaml

if [ "$(id -u)" != 0 ]; then
  echo "# Not root: here is the ruleset kproxy compiles for fixtures/demo (nft -f loads it)."
  echo "# As root, make demo builds a sandbox node with pods and shows real traffic through these rules."
  "$bin" compile --config "$config" --manifests "$demo/manifests"
  exit 0
fi

work=$(mktemp -d)
name=demo$$
cleanup() { "$bin" sandbox down --name "$name" > /dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
cp -r "$demo/manifests" "$work/manifests"
cp -r "$demo/manifests" "$work/before"

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
web_rows() { "$bin" sandbox check --name "$name" | awk 'NR == 1 || /shop\/web/ { print; web = 1; next } web && /^ / { print; next } { web = 0 }'; }

step "A sandbox node for fixtures/demo, programmed by kproxy run (the agent)"
"$bin" sandbox up --name "$name" --agent --counters --manifests "$work/manifests" --config "$config"

step "Every service port probed from a pod, from the node and from outside (12 connections each)"
echo "(a ClusterIP spreads connections over its ready pods; the NodePort from outside is masqueraded;"
echo " the terminating endpoint 10.244.2.23 gets nothing while ready ones exist)"
"$bin" sandbox check --name "$name"

step "Why: kproxy trace reads the node's rules back and follows a NodePort packet from outside"
"$bin" trace --netns "kpsb-$name-node" --from 192.168.1.254 --to 192.168.1.10:30080/tcp | sed -n '1,6p'

step "What is programmed now, read back from the node's kernel, with each service port's counter"
"$bin" status --netns "kpsb-$name-node"

step "The web service's ready endpoints stop being ready: the terminating one takes over"
sed 's/conditions: {ready: true, serving: true, terminating: false}/conditions: {ready: false, serving: false, terminating: false}/' \
  "$work/manifests/endpointslices.yaml" > "$work/manifests/endpointslices.yaml.tmp"
mv "$work/manifests/endpointslices.yaml.tmp" "$work/manifests/endpointslices.yaml"
for _ in $(seq 50); do
  web_rows | grep -q '10.244.0.21' || break
  sleep 0.1
done
web_rows

step "The incremental change the agent applied, as dry-run nft text (kproxy diff)"
"$bin" diff --from "$work/before" --to "$work/manifests" --config "$config" || [ $? = 1 ]

step "Done: kproxy sandbox down --name $name removes the sandbox (this script does it now)"

# kproxy — the two quick-start commands (`make demo`, `make test`) and the benchmark.
export PATH := $(PATH):/opt/swift/usr/bin
SWIFT ?= swift

.PHONY: deps build demo test bench bench-proxy clean format lint

deps:
	@bash scripts/install-deps.sh

build: deps
	$(SWIFT) build --product kproxy

# The built-in example (fixtures/demo). As root: a sandbox node with pods, the agent in it, and
# real traffic (scripts/demo.sh); without root: the dry-run ruleset. The build logs go to stderr.
demo:
	@bash scripts/install-deps.sh >&2
	@$(SWIFT) build --product kproxy >&2
	@bash scripts/demo.sh "$$($(SWIFT) build --show-bin-path)/kproxy"

# Test modules whose tests are async and time-bounded (an in-process API server and HTTP clients
# on Swift's cooperative thread pool). They run on their own: the kernel and packet tests block
# pool threads while they wait for commands, and on 2 cores that starves async tests for seconds.
ASYNC_TESTS := KubeSourceTests|AgentHTTPTests

# All tests: unit, golden, nft load and packet tests (needs root for network namespaces).
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-xctest --filter '$(ASYNC_TESTS)'
	$(SWIFT) test --skip-build --disable-xctest --skip '$(ASYNC_TESTS)'

# Release-build benchmark: compile/render time, peak RSS and output size per cluster size.
bench: deps
	$(SWIFT) build -c release --product kproxy-bench
	@bash scripts/bench.sh "$$($(SWIFT) build -c release --show-bin-path)/kproxy-bench"
	@if [ "$$(id -u)" = 0 ]; then echo; bash scripts/latency-bench.sh "$$($(SWIFT) build -c release --show-bin-path)/kproxy-bench" 1 10000; fi
	@if [ "$$(id -u)" = 0 ]; then echo; SPREAD=1 ENDPOINTS=50 bash scripts/latency-bench.sh "$$($(SWIFT) build -c release --show-bin-path)/kproxy-bench" 1 10000 | tail -n 2; fi
	@if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory bench-proxy; fi

# The userspace proxy beside HAProxy and nginx (root; installs them; about 7 minutes per repetition).
bench-proxy: deps
	@bash scripts/install-deps.sh bench
	$(SWIFT) build -c release --product proxy-server-bench
	bash scripts/proxy-bench.sh "$$($(SWIFT) build -c release --show-bin-path)/proxy-server-bench" --reps 1

clean:
	rm -rf .build

# Formatting: `make format` rewrites, `make lint` reports (configuration in .swift-format).
format:
	$(SWIFT) format -i -r Sources Tests Benchmarks Package.swift

lint:
	$(SWIFT) format lint -r Sources Tests Benchmarks Package.swift

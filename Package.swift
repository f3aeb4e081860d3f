// swift-tools-version:6.0
// kproxy: a Kubernetes service proxy (kube-proxy dataplane) for Linux nftables.
import PackageDescription

let package = Package(
  name: "kproxy",
  platforms: [.macOS(.v13)],
  products: [
    .executable(name: "kproxy", targets: ["kproxy"]),
    .executable(name: "kproxy-bench", targets: ["kproxy-bench"]),
    .executable(name: "decode-bench", targets: ["decode-bench"]),
    .executable(name: "agent-coldstart", targets: ["agent-coldstart"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
    .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
    .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
    .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
  ],
  targets: [
    // Leaf: IP addresses and prefixes, shared by the Kubernetes model and the nftables model.
    .target(name: "NetAddress"),
    // Kubernetes objects as Swift values; YAML/JSON decoding; Kubernetes-style validation.
    .target(name: "KubeAPI", dependencies: ["NetAddress", .product(name: "Yams", package: "Yams")]),
    // Where objects come from: manifest files and folders, and the Kubernetes API (list + watch).
    .target(
      name: "KubeSource",
      dependencies: [
        "KubeAPI", .product(name: "Yams", package: "Yams"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ]),
    // The reconciler: objects -> service ports -> endpoints.
    .target(name: "ServiceProxy", dependencies: ["KubeAPI", "NetAddress"]),
    // nftables model: tables, chains, sets, typed rules, text rendering, diff.
    .target(name: "NFTables", dependencies: ["NetAddress"]),
    // Compiler: reconciler state + node config -> nftables ruleset.
    .target(name: "ProxyRules", dependencies: ["ServiceProxy", "NFTables", "KubeAPI", "NetAddress"]),
    // libnftnl + libmnl headers and link flags for the netlink backend.
    .systemLibrary(name: "CNftnl", pkgConfig: "libnftnl", providers: [.apt(["libnftnl-dev", "libmnl-dev"])]),
    // nf_tables over netlink: lowering, transactions, read-back (the only user of CNftnl).
    .target(name: "NFTNetlink", dependencies: ["NFTables", "NetAddress", "CNftnl"]),
    // `kproxy trace`: evaluates a ruleset along the kernel's path for a new connection.
    .target(name: "RuleTrace", dependencies: ["NFTables", "NetAddress"]),
    // `kproxy record` / `kproxy replay`: watched objects and events to files, and back through the agent's pieces.
    .target(
      name: "Recording",
      dependencies: ["KubeAPI", "KubeSource", "ServiceProxy", "ProxyRules", "NFTables", "Dataplane"]),
    // `kproxy sandbox`: a throwaway node with pods in network namespaces, echo servers, probes.
    .target(
      name: "Sandbox",
      dependencies: [
        "ServiceProxy", "KubeAPI", "NetAddress", "RuleTrace", .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ]),
    // Backends that put a ruleset into the kernel: netlink or `nft -f`.
    .target(
      name: "Dataplane",
      dependencies: ["NFTables", "NFTNetlink", "ProxyRules", "ServiceProxy", "KubeAPI", "KubeSource", "NetAddress", "UserspaceProxy"]),
    // The agent's HTTP surface: /healthz and /livez, Prometheus /metrics, health-check node ports.
    .target(
      name: "AgentHTTP",
      dependencies: [
        "KubeAPI", "NetAddress", "ServiceProxy",
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ]),
    // Userspace mode: a SwiftNIO round-robin TCP/UDP proxy over the reconciler's service ports.
    // What Swift cannot import for TCPRelay (epoll, eventfd, accept4).
    .systemLibrary(name: "CEpoll"),
    // The userspace proxy's TCP data path: epoll event loops relaying sockets (not NIO).
    .target(
      name: "TCPRelay",
      dependencies: ["CEpoll", "NetAddress", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]),
    .target(
      name: "UserspaceProxy",
      dependencies: [
        "ServiceProxy", "KubeAPI", "NetAddress", "TCPRelay",
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ]),
    .executableTarget(
      name: "kproxy",
      dependencies: [
        "KubeAPI", "KubeSource", "ServiceProxy", "ProxyRules", "NFTables", "Dataplane", "NFTNetlink", "NetAddress", "AgentHTTP",
        "UserspaceProxy", "RuleTrace", "Sandbox", "Recording", .product(name: "Logging", package: "swift-log"),
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
      ]),
    .executableTarget(
      name: "kproxy-bench",
      dependencies: ["KubeAPI", "ServiceProxy", "ProxyRules", "NFTables", "NetAddress", "Dataplane", "NFTNetlink"],
      path: "Benchmarks/kproxy-bench"),
    // Manifest decoding alone (BENCHMARKS.md "Manifest decoding"); only KubeAPI, so it builds fast.
    .executableTarget(name: "decode-bench", dependencies: ["KubeAPI"], path: "Benchmarks/decode-bench"),
    // Userspace proxy throughput benchmark: one service port, LISTEN → three backends.
    .executableTarget(
      name: "proxy-server-bench", dependencies: ["UserspaceProxy", "ServiceProxy", "KubeAPI", "NetAddress"],
      path: "Benchmarks/proxy-server-bench"),
    // A test API server loaded with a synthetic cluster, for `kproxy run --master` at scale.
    .executableTarget(name: "agent-coldstart", dependencies: ["KubeTestServer"], path: "Benchmarks/agent-coldstart"),
    // Shared by the kernel-facing test targets: fixture compilation, scratch namespaces, listings.
    .target(
      name: "KernelTestSupport", dependencies: ["KubeAPI", "KubeSource", "ProxyRules", "ServiceProxy"],
      path: "Tests/KernelTestSupport"),
    // The packet-test topology (node, pod and outside namespaces, traffic, `kproxy run` as a
    // process), shared by the test targets that send real packets.
    .target(name: "PacketTestSupport", dependencies: ["Sandbox"], path: "Tests/PacketTestSupport"),
    // Helpers any test target may use (seeded random numbers).
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    // An in-process Kubernetes API server (list, watch, create, update, delete; faults on demand) for tests.
    .target(
      name: "KubeTestServer",
      dependencies: [
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"), .product(name: "NIOSSL", package: "swift-nio-ssl"),
      ],
      path: "Tests/KubeTestServer"),
    .testTarget(name: "NetAddressTests", dependencies: ["NetAddress", "TestSupport"]),
    .testTarget(name: "TCPRelayTests", dependencies: ["TCPRelay", "NetAddress"]),
    .testTarget(
      name: "UserspaceProxyTests",
      dependencies: [
        "UserspaceProxy", "ServiceProxy", "KubeAPI", "NetAddress", .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"), .product(name: "NIOEmbedded", package: "swift-nio"),
        .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
      ]),
    .testTarget(
      name: "KubeSourceTests",
      dependencies: ["TestSupport", "KubeSource", "KubeAPI", "KubeTestServer", .product(name: "NIOCore", package: "swift-nio")]),
    .testTarget(
      name: "KubeAPITests", dependencies: ["KubeAPI", "KubeSource", "NetAddress", .product(name: "Yams", package: "Yams")]),
    .testTarget(name: "ServiceProxyTests", dependencies: ["TestSupport", "ServiceProxy", "KubeAPI", "NetAddress"]),
    .testTarget(name: "NFTablesTests", dependencies: ["NFTables", "NetAddress"]),
    .testTarget(
      name: "RecordingTests", dependencies: ["Recording", "Dataplane", "KubeAPI", "KubeSource", "NFTables", "ServiceProxy"]),
    .testTarget(
      name: "SandboxTests",
      dependencies: ["Sandbox", "RuleTrace", "ServiceProxy", "KubeAPI", "KubeSource", "NetAddress", "NFTables", "KernelTestSupport"]),
    .testTarget(
      name: "RuleTraceTests",
      dependencies: ["RuleTrace", "ProxyRules", "ServiceProxy", "KubeAPI", "KubeSource", "NFTables", "NetAddress", "KernelTestSupport"]),
    .testTarget(
      name: "ProxyRulesTests",
      dependencies: ["TestSupport", "ProxyRules", "ServiceProxy", "KubeAPI", "KubeSource", "NFTables", "NetAddress", "KernelTestSupport"]),
    .testTarget(
      name: "kproxyTests",
      dependencies: [
        "kproxy", "PacketTestSupport", "Dataplane", "ServiceProxy", "KubeAPI", "NetAddress", "NFTNetlink", "KubeTestServer",
        "UserspaceProxy", "TestSupport",
      ]),
    .testTarget(
      name: "AgentHTTPTests",
      dependencies: [
        "AgentHTTP", "KubeAPI", "NetAddress", "ServiceProxy", "KubeSource", "KubeTestServer", .product(name: "Yams", package: "Yams"),
        .product(name: "AsyncHTTPClient", package: "async-http-client"),
        .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
      ]),
    .testTarget(
      name: "NFTNetlinkTests",
      dependencies: [
        "NFTNetlink", "NFTables", "NetAddress", "CNftnl", "ProxyRules", "ServiceProxy", "KubeAPI", "KubeSource", "KernelTestSupport",
      ]),
    .testTarget(
      name: "DataplaneTests",
      dependencies: [
        "TestSupport",
        "Dataplane", "NFTNetlink", "NFTables", "NetAddress", "ProxyRules", "ServiceProxy", "KubeAPI", "KernelTestSupport",
        "UserspaceProxy",
      ]),
  ],
  swiftLanguageModes: [.v6]
)

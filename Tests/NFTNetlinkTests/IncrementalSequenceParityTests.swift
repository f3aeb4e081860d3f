// A cluster's life through the incremental compiler and netlink: scale up and down, services
// added and removed, affinity on/off and its timeout, port changes, endpoints gone and back.
// After every step the kernel lists exactly what `nft -f` of a full compile gives.
import KernelTestSupport
import KubeAPI
import NFTNetlink
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import Testing

@Suite(.kernelTests) struct IncrementalSequenceParityTests {
  static let node = NodeConfig(
    hostname: "node-a", nodeIPs: [IPAddress("192.168.1.10")!, IPAddress("fd00:1::10")!],
    clusterCIDRs: [IPPrefix("10.244.0.0/16")!], serviceCIDRs: [IPPrefix("10.96.0.0/16")!])

  static func port(
    _ name: String, ip: String, port: Int = 80, endpoints: Int, nodePort: Int = 0, affinity: Int? = nil, etp: TrafficPolicy = .cluster,
    base: Int = 0
  ) -> ServicePortInfo {
    let family: IPFamily = ip.contains(":") ? .v6 : .v4
    return ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: "ns", name: name), port: "http", protocol_: .tcp),
      family: family, clusterIP: IPAddress(ip)!, port: port, nodePort: nodePort, affinityTimeoutSeconds: affinity,
      externalTrafficPolicy: etp,
      endpoints: (0..<endpoints).map { i in
        EndpointInfo(
          ip: IPAddress(family == .v4 ? "10.244.\(base).\(i + 1)" : "fd00:10:244::\(base * 100 + i + 1)")!, port: 8080,
          isLocal: i % 2 == 0, ready: true, serving: true, terminating: false)
      })
  }

  static func state(_ ports: [ServicePortInfo]) -> ProxyState {
    ProxyState(servicePorts: ports.sorted { ($0.family, $0.name) < ($1.family, $1.name) })
  }

  static let steps: [(String, ProxyState)] = [
    ("start", state([port("a", ip: "10.96.0.1", endpoints: 3), port("b", ip: "10.96.0.2", endpoints: 2, nodePort: 30002)])),
    ("scale up", state([port("a", ip: "10.96.0.1", endpoints: 6), port("b", ip: "10.96.0.2", endpoints: 2, nodePort: 30002)])),
    ("scale down", state([port("a", ip: "10.96.0.1", endpoints: 1), port("b", ip: "10.96.0.2", endpoints: 2, nodePort: 30002)])),
    (
      "add services",
      state([
        port("a", ip: "10.96.0.1", endpoints: 1), port("b", ip: "10.96.0.2", endpoints: 2, nodePort: 30002),
        port("c", ip: "10.96.0.3", endpoints: 4, base: 3), port("c", ip: "fd00:96::3", endpoints: 2, base: 3),
      ])
    ),
    (
      "affinity on",
      state([
        port("a", ip: "10.96.0.1", endpoints: 1, affinity: 600), port("b", ip: "10.96.0.2", endpoints: 2, nodePort: 30002),
        port("c", ip: "10.96.0.3", endpoints: 4, affinity: 30, base: 3), port("c", ip: "fd00:96::3", endpoints: 2, affinity: 30, base: 3),
      ])
    ),
    (
      "affinity timeout changed",
      state([
        port("a", ip: "10.96.0.1", endpoints: 1, affinity: 600), port("b", ip: "10.96.0.2", endpoints: 2, nodePort: 30002),
        port("c", ip: "10.96.0.3", endpoints: 4, affinity: 90, base: 3), port("c", ip: "fd00:96::3", endpoints: 2, affinity: 90, base: 3),
      ])
    ),
    (
      "ports changed",
      state([
        port("a", ip: "10.96.0.1", port: 8443, endpoints: 1, affinity: 600),
        port("b", ip: "10.96.0.2", endpoints: 2, nodePort: 30022, etp: .local),
        port("c", ip: "10.96.0.3", endpoints: 4, affinity: 90, base: 3), port("c", ip: "fd00:96::3", endpoints: 2, affinity: 90, base: 3),
      ])
    ),
    (
      "endpoints gone",
      state([
        port("a", ip: "10.96.0.1", port: 8443, endpoints: 0), port("b", ip: "10.96.0.2", endpoints: 0, nodePort: 30022, etp: .local),
        port("c", ip: "10.96.0.3", endpoints: 4, base: 3),
      ])
    ),
    ("endpoints back, services removed", state([port("b", ip: "10.96.0.2", endpoints: 3, nodePort: 30022, etp: .local)])),
    ("everything removed", state([])),
  ]

  @Test func everyStepListsLikeAFullCompileLoadedByNft() throws {
    let kernel = try TestNamespace.make("seq")
    var inc = IncrementalCompiler(Self.steps[0].1, node: Self.node)
    let client = try NetlinkClient(namespace: kernel.namespace)
    try client.apply(RulesetCompiler.compile(Self.steps[0].1, node: Self.node).ruleset.replaceTransaction())
    for (name, state) in Self.steps.dropFirst() {
      let tx = inc.update(to: state)
      let full = RulesetCompiler.compile(state, node: Self.node).ruleset
      // As a daemon applies it: no desired ruleset at hand; the sets the transaction's rules
      // use come from the transaction itself or from the kernel.
      try client.apply(tx)
      let reference = try TestNamespace.make("ref")
      try reference.load(full.renderScript())
      let got = sortedBlocks(try kernel.listRuleset())
      let want = sortedBlocks(try reference.listRuleset())
      #expect(got == want, "step \(name):\n\(firstDifferences(want, got))")
      #expect(tx.renderScript().count < full.renderScript().count, "step \(name) is not incremental")
    }
  }
}

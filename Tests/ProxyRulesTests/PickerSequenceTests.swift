// Random but reproducible sequences of cluster states for the endpoint pickers: services with
// 0 to 30 endpoints (several count groups), NodePorts, Local policies, externalIPs shared by
// two services, affinity switched on and off. Each step's incremental transaction, applied to
// the in-memory kernel, must give exactly the full compile of that step.
import KubeAPI
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import Testing

@Suite struct PickerSequenceTests {
  /// SplitMix64: a small deterministic generator, so that a failure can be replayed by seed.
  struct Random {
    var state: UInt64
    mutating func next() -> UInt64 {
      state &+= 0x9E37_79B9_7F4A_7C15
      var z = state
      z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
      z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
      return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
  }

  static let node = NodeConfig(
    hostname: "node-a", nodeIPs: [IPAddress("192.168.1.10")!], clusterCIDRs: [IPPrefix("10.244.0.0/16")!],
    serviceCIDRs: [IPPrefix("10.96.0.0/16")!])

  /// One service port `s` of a random state.
  static func port(_ s: Int, _ r: inout Random) -> ServicePortInfo {
    let count = r.chance(10) ? 0 : r.int(1...30)
    let endpoints = (0..<count).map { e in
      EndpointInfo(
        ip: IPAddress("10.244.\(s).\(e + 1)")!, port: 8080, isLocal: r.chance(30), ready: !r.chance(10), serving: true,
        terminating: r.chance(10), nodeName: "node-\(e % 3)")
    }
    let external = r.chance(30)
    return ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: "ns", name: "svc\(s)"), port: "p", protocol_: r.chance(20) ? .udp : .tcp),
      family: .v4, clusterIP: IPAddress("10.96.0.\(s + 1)")!, port: 80, nodePort: external && r.chance(50) ? 30000 + s : 0,
      externalIPs: external ? [IPAddress("192.0.2.\(r.int(1...3))")!] : [], affinityTimeoutSeconds: r.chance(15) ? 60 : nil,
      externalTrafficPolicy: r.chance(40) ? .local : .cluster, internalTrafficPolicy: r.chance(15) ? .local : .cluster,
      endpoints: endpoints.sorted())
  }

  static func state(_ r: inout Random) -> ProxyState {
    ProxyState(servicePorts: (0..<8).filter { _ in !r.chance(15) }.map { port($0, &r) })
  }

  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64])
  func randomSequenceMatchesFullCompiles(seed: UInt64) throws {
    var r = Random(state: seed)
    var current = Self.state(&r)
    var inc = IncrementalCompiler(current, node: Self.node)
    var kernel = InMemoryKernel()
    try kernel.apply(RulesetCompiler.compile(current, node: Self.node).ruleset.replaceTransaction())
    for step in 0..<25 {
      // Change a few service ports (or all of them), as a change tracker would report.
      var next = current
      if r.chance(10) {
        next = Self.state(&r)
      } else {
        for _ in 0..<r.int(1...3) {
          let s = r.int(0...7)
          next.servicePorts.removeAll { $0.name.service.name == "svc\(s)" }
          if !r.chance(15) { next.servicePorts.append(Self.port(s, &r)) }
        }
        next.servicePorts.sort { $0.name < $1.name }
      }
      let tx = inc.update(to: next)
      #expect(tx.error == nil, "seed \(seed) step \(step)")
      try kernel.apply(tx)
      let full = RulesetCompiler.compile(next, node: Self.node).ruleset
      #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(full), "seed \(seed) step \(step):\n\(tx.renderScript())")
      current = next
    }
  }
}

// Random but reproducible sequences of cluster states for the endpoint pickers: services with
// 0 to 30 endpoints (several count groups), NodePorts, Local policies, externalIPs shared by
// two services, affinity switched on and off; with and without per-service-port counters.
// Each step's incremental transaction, applied to the in-memory kernel, must give exactly the
// full compile of that step.
import KubeAPI
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import TestSupport
import Testing

@Suite struct PickerSequenceTests {

  static let node = NodeConfig(
    hostname: "node-a", nodeIPs: [IPAddress("192.168.1.10")!], clusterCIDRs: [IPPrefix("10.244.0.0/16")!],
    serviceCIDRs: [IPPrefix("10.96.0.0/16")!])

  /// One service port `s` of a random state.
  static func port(_ s: Int, _ r: inout SeededRandom) -> ServicePortInfo {
    let count = r.percent(10) ? 0 : r.int(1...30)
    let endpoints = (0..<count).map { e in
      EndpointInfo(
        ip: IPAddress("10.244.\(s).\(e + 1)")!, port: 8080, isLocal: r.percent(30), ready: !r.percent(10), serving: true,
        terminating: r.percent(10), nodeName: "node-\(e % 3)")
    }
    let external = r.percent(30)
    return ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: "ns", name: "svc\(s)"), port: "p", protocol_: r.percent(20) ? .udp : .tcp),
      family: .v4, clusterIP: IPAddress("10.96.0.\(s + 1)")!, port: 80, nodePort: external && r.percent(50) ? 30000 + s : 0,
      externalIPs: external ? [IPAddress("192.0.2.\(r.int(1...3))")!] : [], affinityTimeoutSeconds: r.percent(15) ? 60 : nil,
      externalTrafficPolicy: r.percent(40) ? .local : .cluster, internalTrafficPolicy: r.percent(15) ? .local : .cluster,
      endpoints: endpoints.sorted())
  }

  static func state(_ r: inout SeededRandom) -> ProxyState {
    ProxyState(servicePorts: (0..<8).filter { _ in !r.percent(15) }.map { port($0, &r) })
  }

  static let countingNode: NodeConfig = {
    var n = node
    n.counters = true
    return n
  }()

  @Test(arguments: [1, 2, 3, 4, 5, 6, 7, 8] as [UInt64], [false, true])
  func randomSequenceMatchesFullCompiles(seed: UInt64, counters: Bool) throws {
    let node = counters ? Self.countingNode : Self.node
    var r = SeededRandom(seed: seed)
    var current = Self.state(&r)
    var inc = IncrementalCompiler(current, node: node)
    var kernel = InMemoryKernel()
    try kernel.apply(RulesetCompiler.compile(current, node: node).ruleset.replaceTransaction())
    for step in 0..<25 {
      // Change a few service ports (or all of them), as a change tracker would report.
      var next = current
      if r.percent(10) {
        next = Self.state(&r)
      } else {
        for _ in 0..<r.int(1...3) {
          let s = r.int(0...7)
          next.servicePorts.removeAll { $0.name.service.name == "svc\(s)" }
          if !r.percent(15) { next.servicePorts.append(Self.port(s, &r)) }
        }
        next.servicePorts.sort { $0.name < $1.name }
      }
      let tx = inc.update(to: next)
      #expect(tx.error == nil, "seed \(seed) step \(step)")
      try kernel.apply(tx)
      let full = RulesetCompiler.compile(next, node: node).ruleset
      #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(full), "seed \(seed) step \(step):\n\(tx.renderScript())")
      current = next
    }
  }
}

extension SeededRandom {
  /// A number of `range` (the generator's next value modulo its size: reproducible by seed).
  fileprivate mutating func int(_ range: ClosedRange<Int>) -> Int { range.lowerBound + Int(next() % UInt64(range.count)) }
  /// True `percent` times in a hundred.
  fileprivate mutating func percent(_ percent: Int) -> Bool { int(0...99) < percent }
}

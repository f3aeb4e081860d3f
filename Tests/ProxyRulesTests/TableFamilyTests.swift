// Which tables a node gets: `ip kproxy` and `ip6 kproxy` only for the families it serves (node
// IPs, pod and service CIDRs, service ports; IPv4 alone when it knows none), the other one
// deleted if present; the incremental compiler creates and deletes them as the full one does.
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import Testing

@Suite struct TableFamilyTests {
  struct Case: Sendable, CustomStringConvertible {
    var description: String
    var node: NodeConfig
    var ports: [ServicePortInfo] = []
    var tables: [TableFamily]
  }

  static func port(_ ip: String) -> ServicePortInfo {
    var p = CompilerTests.port("svc", ip: ip, eps: [])
    p.family = p.clusterIP.family
    return p
  }

  static let cases: [Case] = [
    Case(description: "nothing known: IPv4, as kube-proxy's fallback", node: NodeConfig(hostname: "n"), tables: [.ip]),
    Case(description: "IPv4 node IP", node: NodeConfig(hostname: "n", nodeIPs: [IPAddress("192.168.1.10")!]), tables: [.ip]),
    Case(description: "IPv6 node IP only", node: NodeConfig(hostname: "n", nodeIPs: [IPAddress("fd00:1::10")!]), tables: [.ip6]),
    Case(
      description: "dual-stack node", node: NodeConfig(hostname: "n", nodeIPs: [IPAddress("192.168.1.10")!, IPAddress("fd00:1::10")!]),
      tables: [.ip, .ip6]),
    Case(
      description: "IPv4 node, IPv6 service CIDR",
      node: NodeConfig(hostname: "n", nodeIPs: [IPAddress("192.168.1.10")!], serviceCIDRs: [IPPrefix("fd00:96::/112")!]),
      tables: [.ip, .ip6]),
    Case(
      description: "IPv4 node, IPv6 pod CIDR",
      node: NodeConfig(hostname: "n", nodeIPs: [IPAddress("192.168.1.10")!], clusterCIDRs: [IPPrefix("fd00:10:244::/56")!]),
      tables: [.ip, .ip6]),
    Case(
      description: "IPv4 node, IPv6 service", node: NodeConfig(hostname: "n", nodeIPs: [IPAddress("192.168.1.10")!]),
      ports: [port("fd00:96::1")], tables: [.ip, .ip6]),
    Case(description: "nothing known, IPv6 service", node: NodeConfig(hostname: "n"), ports: [port("fd00:96::1")], tables: [.ip6]),
  ]

  @Test(arguments: cases)
  func tablesOfTheServedFamilies(c: Case) {
    let r = RulesetCompiler.compile(ProxyState(servicePorts: c.ports), node: c.node)
    #expect(r.ruleset.tables.map(\.family) == c.tables)
    let absent = [TableFamily.ip, .ip6].filter { !c.tables.contains($0) }
    #expect(r.ruleset.absentTables == absent.map { TableRef(family: $0, name: "kproxy") })
    let script = r.ruleset.renderScript()
    for f in absent {
      #expect(script.hasSuffix("add table \(f.rawValue) kproxy\ndelete table \(f.rawValue) kproxy\n"))
      #expect(!script.contains("table \(f.rawValue) kproxy {"))
    }
  }

  @Test func incrementalCompilerCreatesAndDeletesTheIPv6Table() throws {
    // An IPv4 node: the ip6 table comes with the first IPv6 service port and goes with the
    // last, as in a full compile.
    let node = NodeConfig(hostname: "node-a", nodeIPs: [IPAddress("192.168.1.10")!], clusterCIDRs: [IPPrefix("10.244.0.0/16")!])
    let v4 = CompilerTests.port("a", ip: "10.96.0.1", eps: ["10.244.0.1"], nodePort: 30001)
    var v6 = CompilerTests.port("b", ip: "fd00:96::1", eps: ["fd00:10:244::1"], affinity: 60)
    v6.family = .v6
    let states = [
      ProxyState(servicePorts: [v4]), ProxyState(servicePorts: [v4, v6]), ProxyState(servicePorts: [v4]),
      ProxyState(servicePorts: [v6]), ProxyState(servicePorts: []), ProxyState(servicePorts: [v6]), ProxyState(servicePorts: [v4, v6]),
    ]
    var inc = IncrementalCompiler(states[0], node: node)
    var kernel = InMemoryKernel()
    try kernel.apply(RulesetCompiler.compile(states[0], node: node).ruleset.replaceTransaction())
    for (i, state) in states.enumerated().dropFirst() {
      let tx = inc.update(to: state)
      #expect(tx.error == nil)
      try kernel.apply(tx)
      let full = RulesetCompiler.compile(state, node: node).ruleset
      #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(full), "step \(i)")
      #expect(kernel.ruleset.tables.map(\.family).sorted() == full.tables.map(\.family), "step \(i)")
      #expect(inc.update(to: state).isEmpty)
    }
    // The same through the change-tracker entry point.
    var tracked = IncrementalCompiler(states[0], node: node)
    var k2 = InMemoryKernel()
    try k2.apply(RulesetCompiler.compile(states[0], node: node).ruleset.replaceTransaction())
    try k2.apply(tracked.update(changed: [v6], removed: []))
    #expect(CanonicalRuleset(k2.ruleset) == CanonicalRuleset(RulesetCompiler.compile(states[1], node: node).ruleset))
    try k2.apply(tracked.update(changed: [], removed: [(.v6, v6.name)]))
    #expect(CanonicalRuleset(k2.ruleset) == CanonicalRuleset(RulesetCompiler.compile(states[0], node: node).ruleset))
    #expect(!k2.ruleset.tables.contains { $0.family == .ip6 })
  }
}

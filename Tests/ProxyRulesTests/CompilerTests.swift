// Compiler semantics on small states: naming as kube-proxy, several pod CIDRs, affinity set
// sizing, conflicting claims, and the invariant that the shared set count does not grow.
import KubeAPI
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import Testing

@Suite struct CompilerTests {
  static func port(
    _ name: String, ns: String = "ns1", ip: String = "10.96.0.1", eps: [String] = ["10.244.0.1"], affinity: Int? = nil,
    externalIPs: [String] = [], nodePort: Int = 0, etp: TrafficPolicy = .cluster, itp: TrafficPolicy = .cluster,
    local: Set<String> = []
  ) -> ServicePortInfo {
    ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: ns, name: name), port: "p80", protocol_: .tcp),
      family: .v4, clusterIP: IPAddress(ip)!, port: 80, nodePort: nodePort, externalIPs: externalIPs.map { IPAddress($0)! },
      affinityTimeoutSeconds: affinity, externalTrafficPolicy: etp, internalTrafficPolicy: itp,
      endpoints: eps.map {
        EndpointInfo(
          ip: IPAddress($0)!, port: 8080, isLocal: local.isEmpty || local.contains($0), ready: true, serving: true, terminating: false)
      })
  }
  static let node = NodeConfig(hostname: "node-a", nodeIPs: [IPAddress("192.168.1.10")!], clusterCIDRs: [IPPrefix("10.244.0.0/16")!])

  static func table(_ r: CompiledRuleset, _ family: TableFamily = .ip) -> Table { r.ruleset.tables.first { $0.family == family }! }

  @Test func chainNamesMatchKubeProxy() {
    // kube-proxy's documented example: "ULMVA6XW-ns1/svc1/tcp/p80".
    let r = RulesetCompiler.compile(ProxyState(servicePorts: [Self.port("svc1", nodePort: 30080)]), node: Self.node)
    #expect(Self.table(r).chains.contains { $0.name == "service-ULMVA6XW-ns1/svc1/tcp/p80" })
    #expect(Self.table(r).chains.contains { $0.name == "external-ULMVA6XW-ns1/svc1/tcp/p80" })
  }

  @Test func endpointChoiceIsDataAndUniform() throws {
    let eps = ["10.244.0.1", "10.244.0.2", "10.244.0.3"]
    let r = RulesetCompiler.compile(
      ProxyState(servicePorts: [Self.port("svc1", eps: eps), Self.port("svc2", ip: "10.96.0.2", eps: ["10.244.0.9"])]), node: Self.node)
    let t = Self.table(r)
    // No per-service chain: the ClusterIP's slots are elements of the map for 3 endpoints.
    #expect(!t.chains.contains { $0.name.contains("/") })
    let map = try #require(t.sets.first { $0.name == "endpoints-3" })
    let cip = IPAddress("10.96.0.1")!
    #expect(
      map.elements
        == eps.enumerated().map { i, ep in
          Element(
            [.address(cip), .proto(.tcp), .port(80), .integer(UInt32(i))], data: .values([.address(IPAddress(ep)!), .port(8080)]))
        })
    #expect(t.sets.first { $0.name == "endpoints-1" }?.elements.count == 1)
    // Slot `numgen random mod 3` of that map: each endpoint with probability 1/3.
    let chain = try #require(t.chains.first { $0.name == "pick-endpoint-3" })
    #expect(
      chain.rules == [
        Rule([.dnatMap([.daddr(.v4), .l4proto, .thDport, .numgenRandom(mod: 3)], map: "endpoints-3", version: .v4)])
      ])
    // The entry chain finds the count's group (1 to 8) with one lookup; the group's chain
    // tries the counts in use.
    let entry = try #require(t.chains.first { $0.name == "pick-endpoint" })
    #expect(
      entry.rules == [
        Rule([.lookup([.daddr(.v4), .l4proto, .thDport], set: "endpoints-1to8", negated: false), .verdict(.goto("pick-endpoint-1to8"))])
      ])
    let group = try #require(t.chains.first { $0.name == "pick-endpoint-1to8" })
    #expect(group.rules == [Rule([.verdict(.jump("pick-endpoint-1"))]), Rule([.verdict(.jump("pick-endpoint-3"))])])
    #expect(t.sets.first { $0.name == "endpoints-1to8" }?.elements.count == 2)
    #expect(t.chains.first { $0.name == Names.services }?.rules.last == Rule([.verdict(.goto("pick-endpoint"))]))
  }

  @Test func affinityKeepsInlineUniformChoice() throws {
    let r = RulesetCompiler.compile(
      ProxyState(servicePorts: [Self.port("svc1", eps: ["10.244.0.1", "10.244.0.2", "10.244.0.3"], affinity: 60)]), node: Self.node)
    let chain = try #require(Self.table(r).chains.first { $0.name.hasPrefix("service-") && $0.name.contains("/") })
    let mods = chain.rules.compactMap { rule -> UInt32? in
      for e in rule.exprs { if case .cmp(.numgenRandom(let m), .eq, .integer(0)) = e { return m } }
      return nil
    }
    #expect(mods == [3, 2])
    #expect(chain.rules.count == 6)  // per endpoint: one affinity rule, one random-choice rule
    #expect(!Self.table(r).sets.contains { $0.name.hasPrefix("endpoints-") })
  }

  @Test func internalLocalPolicyPicksLocalEndpointsForTheClusterIPOnly() throws {
    // internalTrafficPolicy Local, externalTrafficPolicy Cluster, NodePort: the ClusterIP's
    // slots are the local endpoint, the NodePort's all endpoints; no Local-policy picker.
    let svc = Self.port("a", eps: ["10.244.0.1", "10.244.9.9"], nodePort: 30000, itp: .local, local: ["10.244.0.1"])
    let t = Self.table(RulesetCompiler.compile(ProxyState(servicePorts: [svc]), node: Self.node))
    let clusterIP = try #require(t.sets.first { $0.name == "endpoints-1" })
    #expect(clusterIP.elements.map(\.data) == [.values([.address(IPAddress("10.244.0.1")!), .port(8080)])])
    #expect(t.sets.first { $0.name == "nodeport-endpoints-2" }?.elements.count == 2)
    #expect(!t.sets.contains { $0.name.hasPrefix("local-endpoints") || $0.name.hasPrefix("nodeport-local-endpoints") })
    #expect(!t.chains.contains { $0.name.hasPrefix("local-") })
  }

  @Test func countsAreGroupedByEight() throws {
    // Counts 1, 2, 9 and 20 in use: groups 1-8, 9-16 and 17-24, in order.
    let counts = [1, 2, 9, 20]
    let ports = counts.enumerated().map { i, n in
      Self.port("s\(i)", ip: "10.96.0.\(i + 1)", eps: (0..<n).map { "10.244.\(i).\($0 + 1)" })
    }
    let t = Self.table(RulesetCompiler.compile(ProxyState(servicePorts: ports), node: Self.node))
    let entry = try #require(t.chains.first { $0.name == "pick-endpoint" })
    #expect(
      entry.rules.compactMap { r in r.exprs.compactMap { if case .verdict(.goto(let c)) = $0 { c } else { nil } }.first } == [
        "pick-endpoint-1to8", "pick-endpoint-9to16", "pick-endpoint-17to24",
      ])
    #expect(t.chains.first { $0.name == "pick-endpoint-1to8" }?.rules.count == 2)
    #expect(t.chains.first { $0.name == "pick-endpoint-17to24" }?.rules == [Rule([.verdict(.jump("pick-endpoint-20"))])])
    #expect(
      t.sets.first { $0.name == "endpoints-9to16" }?.elements == [
        Element([.address(IPAddress("10.96.0.3")!), .proto(.tcp), .port(80)], comment: "ns1/s2:p80")
      ])
    #expect(t.sets.first { $0.name == "endpoints-20" }?.elements.count == 20)
  }

  @Test func severalPodCIDRsUseOneIntervalSet() throws {
    var node = Self.node
    node.clusterCIDRs = [IPPrefix("10.244.0.0/16")!, IPPrefix("10.250.0.0/16")!]
    let r = RulesetCompiler.compile(ProxyState(servicePorts: [Self.port("a", nodePort: 30000, etp: .local)]), node: node)
    let t = Self.table(r)
    let set = try #require(t.sets.first { $0.name == Names.clusterCIDRsSet })
    #expect(set.flags.contains(.interval))
    #expect(set.elements.count == 2)
    let rules = t.chains.filter { $0.name == Names.services || $0.name.hasPrefix("external-") }.flatMap(\.rules)
    #expect(rules.contains { $0.exprs.contains(.lookup([.saddr(.v4)], set: Names.clusterCIDRsSet, negated: true)) })
    #expect(rules.contains { $0.exprs.contains(.lookup([.saddr(.v4)], set: Names.clusterCIDRsSet, negated: false)) })
  }

  @Test func affinitySetsAreSizedAndTimed() throws {
    let r = RulesetCompiler.compile(
      ProxyState(servicePorts: [Self.port("a", eps: ["10.244.0.1", "10.244.0.2"], affinity: 600)]), node: Self.node)
    let sets = Self.table(r).sets.filter { $0.name.hasPrefix("affinity-") }
    #expect(sets.count == 2)
    for s in sets {
      #expect(s.timeoutSeconds == 600)
      #expect((s.size ?? 0) >= 1 << 20)
      #expect(s.flags == [.dynamic, .timeout])
    }
  }

  @Test(arguments: [true, false])
  func externalIPOnAnotherServicesClusterIPWarnsOnce(externalFirst: Bool) throws {
    // One service's externalIP:port is another's ClusterIP:port; the ClusterIP keeps the
    // destination's endpoint slots whatever the names (an externalIP cannot take over a
    // ClusterIP, CVE-2020-8554), and the other service is told, once.
    let withExternal = Self.port(externalFirst ? "a" : "b", ip: "10.96.0.2", eps: ["10.244.0.2"], externalIPs: ["10.96.0.1"])
    let plain = Self.port(externalFirst ? "b" : "a", ip: "10.96.0.1", eps: ["10.244.0.1"])
    let r = RulesetCompiler.compile(ProxyState(servicePorts: [withExternal, plain].sorted { $0.name < $1.name }), node: Self.node)
    #expect(r.warnings.count == 1, "\(r.warnings)")
    let slots = try #require(Self.table(r).sets.first { $0.name == "endpoints-1" }).elements
    let owner = "10.244.0.1"
    let (winner, loser) = externalFirst ? ("ns1/b:p80", "ns1/a:p80") : ("ns1/a:p80", "ns1/b:p80")
    #expect(
      r.warnings == [
        "externalIP 10.96.0.1:80/TCP of \(loser) is already the clusterIP of \(winner): \(winner) wins (a clusterIP comes first), \(loser) does not get it"
      ])
    #expect(
      slots.contains {
        $0.key.first == .address(IPAddress("10.96.0.1")!) && $0.data == .values([.address(IPAddress(owner)!), .port(8080)])
      })
  }

  @Test func conflictingExternalIPKeepsFirstAndWarns() throws {
    let r = RulesetCompiler.compile(
      ProxyState(servicePorts: [
        Self.port("a", ip: "10.96.0.1", externalIPs: ["192.0.2.1"]),
        Self.port("b", ip: "10.96.0.2", externalIPs: ["192.0.2.1"]),
      ]), node: Self.node)
    let map = try #require(Self.table(r).sets.first { $0.name == Names.serviceIPsMap })
    let external = map.elements.filter { $0.key.first == .address(IPAddress("192.0.2.1")!) }
    #expect(external.count == 1)
    #expect(external.first?.data == .verdict(.goto("external-" + Names.servicePortBase(Self.port("a").name))))
    #expect(r.warnings.count == 1)
    #expect(r.warnings.first?.contains("ns1/b:p80") == true)
  }

  @Test(arguments: [(false, true), (true, true), (false, false)])
  func clusterIPMasqueradeIsOneSharedRule(masqueradeAll: Bool, podCIDR: Bool) throws {
    var node = Self.node
    node.masqueradeAll = masqueradeAll
    node.clusterCIDRs = podCIDR ? node.clusterCIDRs : []
    let ports = (0..<20).map { Self.port("s\($0)", ip: "10.96.0.\($0 + 1)") }
    let t = Self.table(RulesetCompiler.compile(ProxyState(servicePorts: ports), node: node))
    let marking = t.chains.filter { $0.name != Names.masquerading }.flatMap { c in
      c.rules.filter { $0.exprs.contains(.markOr(Names.masqueradeMark)) }.map { (c.name, $0) }
    }
    let services = try #require(t.chains.first { $0.name == Names.services })
    let first = try #require(services.rules.first)
    if !masqueradeAll && !podCIDR {
      #expect(marking.isEmpty)
      return
    }
    #expect(marking.count == 1)
    #expect(marking.first?.0 == Names.services)
    #expect(first.exprs.first == .lookup([.daddr(.v4)], set: Names.clusterIPsSet, negated: false))
    #expect(first.exprs.contains(.cmp(.saddr(.v4), .neq, .prefix(IPPrefix("10.244.0.0/16")!))) == !masqueradeAll)
  }

  @Test func sharedSetCountDoesNotGrowWithServices() {
    func setCount(_ n: Int) -> Int {
      let ports = (0..<n).map { Self.port("s\($0)", ip: "10.96.0.\($0 + 1)", eps: ["10.244.0.\($0 + 1)"], nodePort: 30000 + $0) }
      return Self.table(RulesetCompiler.compile(ProxyState(servicePorts: ports), node: Self.node)).sets.count
    }
    #expect(setCount(1) == setCount(50))
  }

  @Test func noNodeIPWarnsForNodePorts() {
    let r = RulesetCompiler.compile(ProxyState(servicePorts: [Self.port("a", nodePort: 30000)]), node: NodeConfig(hostname: "x"))
    #expect(r.warnings.contains { $0.contains("NodePorts accept no traffic") })
  }

  @Test func everyCompiledNameAndCommentPassesTransactionValidation() {
    let r = RulesetCompiler.compile(
      ProxyState(servicePorts: [Self.port("a", affinity: 10, externalIPs: ["192.0.2.1"], nodePort: 30001, etp: .local)]), node: Self.node)
    #expect(r.ruleset.replaceTransaction().error == nil)
  }
}

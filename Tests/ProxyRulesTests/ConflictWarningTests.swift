// Two service ports claiming one destination (clusterIP:port, externalIP, LB IP, nodePort): one
// warning per lost claim naming winner and loser, sorted; the winner alone is programmed, in the
// full and the incremental compiler alike. And the reconciler's warning for a Service without
// a cluster IP.
import KubeAPI
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import Testing

@Suite struct ConflictWarningTests {
  static let node = CompilerTests.node

  static func withLB(_ p: ServicePortInfo, _ ip: String) -> ServicePortInfo {
    var p = p
    p.loadBalancerIPs = [IPAddress(ip)!]
    return p
  }

  struct Case: Sendable, CustomStringConvertible {
    var description: String
    var ports: [ServicePortInfo]
    var warnings: [String]
  }

  static let cases: [Case] = [
    Case(
      description: "one clusterIP:port",
      ports: [CompilerTests.port("b", ip: "10.96.0.1", eps: ["10.244.0.2"]), CompilerTests.port("a", ip: "10.96.0.1")],
      warnings: [
        "clusterIP 10.96.0.1:80/TCP of ns1/b:p80 is already the clusterIP of ns1/a:p80 (the API server refuses this): ns1/a:p80 wins (the smaller name), ns1/b:p80 is not proxied"
      ]),
    Case(
      description: "one clusterIP:port without endpoints (same verdict: silent before)",
      ports: [CompilerTests.port("a", ip: "10.96.0.1", eps: []), CompilerTests.port("b", ip: "10.96.0.1", eps: [])],
      warnings: [
        "clusterIP 10.96.0.1:80/TCP of ns1/b:p80 is already the clusterIP of ns1/a:p80 (the API server refuses this): ns1/a:p80 wins (the smaller name), ns1/b:p80 is not proxied"
      ]),
    Case(
      description: "one nodePort, three claimants",
      ports: [
        CompilerTests.port("c", ip: "10.96.0.3", nodePort: 30080), CompilerTests.port("a", ip: "10.96.0.1", nodePort: 30080),
        CompilerTests.port("b", ip: "10.96.0.2", eps: ["10.244.0.2"], nodePort: 30080),
      ],
      warnings: [
        "nodePort 30080/TCP (IPv4) of ns1/b:p80 is already the nodePort of ns1/a:p80 (the API server refuses this): ns1/a:p80 wins (the smaller name), ns1/b:p80 gets no NodePort",
        "nodePort 30080/TCP (IPv4) of ns1/c:p80 is already the nodePort of ns1/a:p80 (the API server refuses this): ns1/a:p80 wins (the smaller name), ns1/c:p80 gets no NodePort",
      ]),
    Case(
      description: "one externalIP:port",
      ports: [
        CompilerTests.port("a", ip: "10.96.0.1", externalIPs: ["192.0.2.1"]),
        CompilerTests.port("b", ns: "ns0", ip: "10.96.0.2", eps: ["10.244.0.2"], externalIPs: ["192.0.2.1", "192.0.2.2"]),
      ],
      warnings: [
        "externalIP 192.0.2.1:80/TCP of ns1/a:p80 is already the externalIP of ns0/b:p80: ns0/b:p80 wins (the smaller name), ns1/a:p80 does not get it"
      ]),
    Case(
      description: "an LB IP on an externalIP",
      ports: [
        withLB(CompilerTests.port("a", ip: "10.96.0.1", nodePort: 30001), "192.0.2.1"),
        CompilerTests.port("b", ip: "10.96.0.2", eps: ["10.244.0.2"], externalIPs: ["192.0.2.1"]),
      ],
      warnings: [
        "externalIP 192.0.2.1:80/TCP of ns1/b:p80 is already the loadBalancer IP of ns1/a:p80: ns1/a:p80 wins (a clusterIP comes first), ns1/b:p80 does not get it"
      ]),
    Case(
      description: "an externalIP on its own clusterIP",
      ports: [CompilerTests.port("a", ip: "10.96.0.1", externalIPs: ["10.96.0.1", "192.0.2.1"], nodePort: 30001)],
      warnings: ["externalIP 10.96.0.1:80/TCP of ns1/a:p80 is its own clusterIP: ignored"]),
    Case(
      description: "distinct ports on one IP do not conflict",
      ports: [
        CompilerTests.port("a", ip: "10.96.0.1", externalIPs: ["192.0.2.1"]),
        {
          var p = CompilerTests.port("b", ip: "10.96.0.2", externalIPs: ["192.0.2.1"])
          p.port = 81
          return p
        }(),
      ],
      warnings: []),
  ]

  @Test(arguments: cases)
  func lostClaimsWarnOnceNamingWinnerAndLoser(c: Case) throws {
    // Whatever the input order, the same winner, the same sorted warnings.
    for ports in [c.ports, c.ports.reversed()] {
      let r = RulesetCompiler.compile(ProxyState(servicePorts: ports), node: Self.node)
      #expect(r.warnings == c.warnings)
      #expect(r.ruleset.replaceTransaction().error == nil)
      let inc = IncrementalCompiler(ProxyState(servicePorts: ports), node: Self.node)
      #expect(inc.warnings == c.warnings)
    }
  }

  @Test func theWinnerAloneIsProgrammed() throws {
    // ns1/a (no endpoints: reject) and ns1/b (endpoints) claim one clusterIP:port. Before,
    // a's reject element and b's endpoint slot were both programmed, and the filter chain's
    // reject won for new connections whatever the names.
    let a = CompilerTests.port("a", ip: "10.96.0.1", eps: [])
    let b = CompilerTests.port("b", ip: "10.96.0.1", eps: ["10.244.0.2"])
    let t = CompilerTests.table(RulesetCompiler.compile(ProxyState(servicePorts: [a, b]), node: Self.node))
    #expect(t.sets.first { $0.name == Names.noEndpointServicesMap }?.elements.count == 1)
    #expect(!t.sets.contains { $0.name.hasPrefix("endpoints-") })
    // The incremental compiler reaches the same ruleset, both ways.
    for (from, to) in [([a], [a, b]), ([a, b], [b]), ([b], [a, b]), ([a, b], [a])] {
      var inc = IncrementalCompiler(ProxyState(servicePorts: from), node: Self.node)
      var kernel = InMemoryKernel()
      try kernel.apply(RulesetCompiler.compile(ProxyState(servicePorts: from), node: Self.node).ruleset.replaceTransaction())
      try kernel.apply(inc.update(to: ProxyState(servicePorts: to)))
      let full = RulesetCompiler.compile(ProxyState(servicePorts: to), node: Self.node)
      #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(full.ruleset))
      #expect(inc.warnings == full.warnings)
    }
  }

  static let manifest = """
    apiVersion: v1
    kind: Service
    metadata: {name: handwritten, namespace: default}
    spec:
      ports: [{port: 80}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: headless, namespace: default}
    spec:
      clusterIP: None
      ports: [{port: 80}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: external, namespace: default}
    spec:
      type: ExternalName
      externalName: example.com
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: allocated, namespace: default}
    spec:
      clusterIP: 10.96.0.5
      ports: [{port: 80}]
    """

  @Test func aServiceWithoutClusterIPIsSkippedWithAWarning() throws {
    var objects = ObjectSet()
    try ManifestDecoder.decode(Self.manifest, file: "svc.yaml", into: &objects)
    let state = Reconciler.reconcile(objects, node: Self.node)
    let expected = [
      "service default/handwritten has no spec.clusterIP (the API server allocates one when it creates the service): skipped, as kube-proxy does; give it a cluster IP, or clusterIP: None for a headless service"
    ]
    #expect(state.warnings == expected)
    #expect(state.servicePorts.map(\.name.service.name) == ["allocated"])
    #expect(RulesetCompiler.compile(state, node: Self.node).warnings == expected)
    #expect(IncrementalCompiler(state, node: Self.node).warnings == expected)
  }
}

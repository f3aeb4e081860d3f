import KernelTestSupport
// Reading a compiled table back into service ports gives, for every fixture and for random
// states, each port's destinations with exactly the endpoints the reconciler chose for them
// (internal policy for ClusterIPs, external policy for NodePorts and external IPs), REJECT or
// DROP where it has none, and its counter.
import KubeAPI
import NFTables
import NetAddress
import ServiceProxy
import TestSupport
import Testing

@testable import ProxyRules

@Suite struct ProgrammedServicesTests {
  /// What the reader must report for `svc`'s destination of kind `external`, from the
  /// reconciler's categories (as ServicePortRules decides).
  static func expected(_ svc: ServicePortInfo, external: Bool) -> ProgrammedTarget {
    let cats = EndpointCategories(svc)
    guard cats.hasAnyEndpoints else { return .reject }
    let local = external ? svc.externalPolicyLocal : svc.internalPolicyLocal
    let endpoints = local ? cats.local : cats.cluster
    if endpoints.isEmpty { return .drop }
    let programmed = endpoints.map { ProgrammedEndpoint(address: $0.ip, port: UInt16($0.port)) }
    return .endpoints(programmed, localOnly: external && local)
  }

  static func normalized(_ t: ProgrammedTarget?) -> ProgrammedTarget? {
    guard case .endpoints(let eps, let localOnly)? = t else { return t }
    return .endpoints(Array(Set(eps)).sorted(), localOnly: localOnly)
  }

  /// Checks every uncontested destination of `state` in the compiled tables' read-back.
  static func check(_ state: ProxyState, node: NodeConfig, _ label: String) {
    let compiled = RulesetCompiler.compile(state, node: node).ruleset
    let settled = DestinationClaims.resolve(state.servicePorts).ports
    var read: [String: ProgrammedServicePort] = [:]
    for t in compiled.tables {
      for p in ProgrammedServices.read(t) { read["\(t.family.rawValue) \(p.name)"] = p }
    }
    for svc in settled {
      let family = svc.family == .v4 ? "ip" : "ip6"
      let name = Names.comment(svc.name)
      guard let p = read["\(family) \(name)"] else {
        Issue.record("\(label): \(name) not found in the read-back (\(read.keys.sorted()))")
        continue
      }
      func route(_ d: ProgrammedDestination) -> ProgrammedTarget? { p.routes.first { $0.destination == d }?.target }
      let proto: IPProto = svc.name.protocol_ == .tcp ? .tcp : svc.name.protocol_ == .udp ? .udp : .sctp
      let port = UInt16(svc.port)
      #expect(
        normalized(route(.address(svc.clusterIP, proto, port))) == normalized(expected(svc, external: false)), "\(label): \(name) clusterIP"
      )
      for ip in svc.externalIPs + svc.loadBalancerIPs {
        #expect(normalized(route(.address(ip, proto, port))) == normalized(expected(svc, external: true)), "\(label): \(name) \(ip)")
      }
      if svc.nodePort != 0, node.nodePortIPs(svc.family) != [] {
        #expect(
          normalized(route(.nodePort(proto, UInt16(svc.nodePort)))) == normalized(expected(svc, external: true)),
          "\(label): \(name) nodePort")
      }
      if node.counters {
        #expect(p.counter?.name == Names.counter(Names.servicePortBase(svc.name)), "\(label): \(name) counter")
      } else {
        #expect(p.counter == nil)
      }
      // Affinity ports name one affinity set per endpoint they DNAT to with affinity.
      if svc.affinityTimeoutSeconds != nil, case .endpoints(let eps, _)? = route(.address(svc.clusterIP, proto, port)) {
        for ep in eps { #expect(p.affinitySets[ep]?.hasPrefix("affinity-") == true, "\(label): \(name) affinity of \(ep)") }
      }
    }
  }

  @Test(arguments: FixtureScenarios.names, [false, true])
  func fixturesReadBackAsReconciled(scenario: String, counters: Bool) throws {
    var (state, node) = try FixtureScenarios.reconcile(scenario)
    node.counters = counters
    Self.check(state, node: node, scenario)
  }

  @Test(arguments: [11, 12, 13, 14] as [UInt64])
  func randomStatesReadBackAsReconciled(seed: UInt64) {
    var r = SeededRandom(seed: seed)
    var node = PickerSequenceTests.node
    node.counters = seed % 2 == 0
    for step in 0..<10 {
      Self.check(PickerSequenceTests.state(&r), node: node, "seed \(seed) step \(step)")
    }
  }

  @Test func namesComeFromChainBases() {
    #expect(ProgrammedServices.servicePortName(base: "ABCDEFGH-ns/web/tcp/http") == "ns/web:http")
    #expect(ProgrammedServices.servicePortName(base: "ABCDEFGH-ns/web/udp/") == "ns/web")
    #expect(ProgrammedServices.servicePortName(base: "ABCDEFGH-ns/very-long...") == nil)
    #expect(ProgrammedServices.servicePortName(base: "nodash") == nil)
  }
}

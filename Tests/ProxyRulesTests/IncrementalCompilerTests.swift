// The incremental compiler agrees with the full compiler: for every pair of fixture states
// (compiled for one node), its transaction turns the first full ruleset into the second.
import KubeAPI
import KubeSource
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import Testing

@Suite struct IncrementalCompilerTests {
  /// One node for every state, so that only services and endpoints differ between them.
  static let node = NodeConfig(
    hostname: "node-a", nodeIPs: [IPAddress("192.168.1.10")!, IPAddress("fd00:1::10")!],
    clusterCIDRs: [IPPrefix("10.244.0.0/16")!, IPPrefix("fd00:10:244::/56")!], serviceCIDRs: [IPPrefix("10.96.0.0/16")!])

  static let states: [String: ProxyState] = {
    var out: [String: ProxyState] = [:]
    for s in Fixtures.scenarios {
      if let objects = try? ManifestLoader().load(paths: [Fixtures.root.appendingPathComponent("\(s)/manifests").path]) {
        out[s] = Reconciler.reconcile(objects, node: node)
      }
    }
    return out
  }()

  static var pairs: [(String, String)] {
    Fixtures.scenarios.flatMap { a in Fixtures.scenarios.map { b in (a, b) } }
  }

  @Test(arguments: pairs)
  func incrementalTransactionReachesTheFullCompile(from: String, to: String) throws {
    let a = try #require(Self.states[from])
    let b = try #require(Self.states[to])
    var inc = IncrementalCompiler(a, node: Self.node)
    var kernel = InMemoryKernel()
    try kernel.apply(inc.initial.ruleset.replaceTransaction())
    let tx = inc.update(to: b)
    #expect(tx.error == nil)
    try kernel.apply(tx)
    let full = RulesetCompiler.compile(b, node: Self.node).ruleset
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(full), "\(from) -> \(to)")
    if from == to { #expect(tx.isEmpty) }
    // A second update to the same state changes nothing.
    #expect(inc.update(to: b).isEmpty)
  }

  @Test func combinedStatesAndConflictsResolveLikeAFullCompile() throws {
    // Two fixtures merged claim overlapping keys (shared hairpin endpoints, cluster IPs):
    // moving between merged and single states exercises ownership hand-over.
    let demo = try #require(Self.states["demo"])
    let ext = try #require(Self.states["externalips"])
    let merged = ProxyState(servicePorts: (demo.servicePorts + ext.servicePorts).sorted { ($0.family, $0.name) < ($1.family, $1.name) })
    for (a, b) in [(demo, merged), (merged, ext), (ext, merged), (merged, demo)] {
      var inc = IncrementalCompiler(a, node: Self.node)
      var kernel = InMemoryKernel()
      try kernel.apply(inc.initial.ruleset.replaceTransaction())
      try kernel.apply(inc.update(to: b))
      #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(RulesetCompiler.compile(b, node: Self.node).ruleset))
    }
  }

  @Test func losingTheOwnerHandsAContestedKeyToTheNextClaimant() throws {
    // ops/legacy and ops/squatter both claim externalIP 192.0.2.10:8443; legacy wins until it goes.
    let a = try #require(Self.states["externalips"])
    let b = ProxyState(servicePorts: a.servicePorts.filter { $0.name.service.name != "legacy" })
    var inc = IncrementalCompiler(a, node: Self.node)
    var kernel = InMemoryKernel()
    try kernel.apply(inc.initial.ruleset.replaceTransaction())
    let tx = inc.update(to: b)
    try kernel.apply(tx)
    let full = RulesetCompiler.compile(b, node: Self.node).ruleset
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(full))
    #expect(tx.renderScript().contains("192.0.2.10 . tcp . 8443 : goto external-D5XQPCY2-ops/squatter/tcp/tcp"))
    // And back: legacy takes the key again.
    try kernel.apply(inc.update(to: a))
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(inc.initial.ruleset))
  }

  @Test func oneEndpointChangeTouchesOneChain() throws {
    let a = try #require(Self.states["clusterip-multi"])
    var b = a
    // prod/single's endpoints are its own (prod/api's ports share theirs, and their hairpin
    // elements must stay while one port still uses them).
    let i = try #require(b.servicePorts.firstIndex { $0.name.service.name == "single" })
    b.servicePorts[i].endpoints[0].ip = IPAddress("10.244.9.9")!
    var inc = IncrementalCompiler(a, node: Self.node)
    let tx = inc.update(to: b)
    let chains = Set(
      tx.commands.compactMap { c -> String? in
        switch c {
        case .flushChain(_, let n), .addRule(_, let n, _): n
        default: nil
        }
      })
    #expect(chains.count == 1)
    #expect(tx.commands.contains { if case .deleteElements = $0 { true } else { false } })  // hairpin
  }
}

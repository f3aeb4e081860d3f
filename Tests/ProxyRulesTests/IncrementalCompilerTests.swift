import KernelTestSupport
// The incremental compiler agrees with the full compiler: for every pair of fixture states
// (compiled for one node), its transaction turns the first full ruleset into the second.
import KubeAPI
import KubeSource
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import TestSupport
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
    try kernel.apply(RulesetCompiler.compile(a, node: Self.node).ruleset.replaceTransaction())
    let tx = inc.update(to: b)
    #expect(tx.error == nil)
    try kernel.apply(tx)
    let full = RulesetCompiler.compile(b, node: Self.node).ruleset
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(full), "\(from) -> \(to)")
    if from == to { #expect(tx.isEmpty) }
    // A second update to the same state changes nothing.
    #expect(inc.update(to: b).isEmpty)
  }

  @Test(arguments: pairs)
  func incrementalTransactionWithCountersReachesTheFullCompile(from: String, to: String) throws {
    var node = Self.node
    node.counters = true
    let a = try #require(Self.states[from])
    let b = try #require(Self.states[to])
    var inc = IncrementalCompiler(a, node: node)
    var kernel = InMemoryKernel()
    try kernel.apply(RulesetCompiler.compile(a, node: node).ruleset.replaceTransaction())
    let tx = inc.update(to: b)
    #expect(tx.error == nil)
    try kernel.apply(tx)
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(RulesetCompiler.compile(b, node: node).ruleset), "\(from) -> \(to)")
    // Counters of service ports present in both states are never declared anew (kept values).
    let kept = Set(a.servicePorts.map(\.name)).intersection(b.servicePorts.map(\.name))
    for name in kept {
      #expect(!tx.renderScript().contains("delete counter ip kproxy \(Names.counter(Names.servicePortBase(name)))\n"))
    }
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
      try kernel.apply(RulesetCompiler.compile(a, node: Self.node).ruleset.replaceTransaction())
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
    try kernel.apply(RulesetCompiler.compile(a, node: Self.node).ruleset.replaceTransaction())
    let tx = inc.update(to: b)
    try kernel.apply(tx)
    let full = RulesetCompiler.compile(b, node: Self.node).ruleset
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(full))
    #expect(tx.renderScript().contains("192.0.2.10 . tcp . 8443 : goto external-D5XQPCY2-ops/squatter/tcp/tcp"))
    // And back: legacy takes the key again.
    try kernel.apply(inc.update(to: a))
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(RulesetCompiler.compile(a, node: Self.node).ruleset))
  }

  @Test func aKnownChangeSettlesContestedDestinationsLikeAFullCompile() throws {
    // ops/squatter's externalIP 192.0.2.10:8443 loses to ops/legacy; when legacy goes as a
    // tracked removal, squatter must get it, as a full compile of the new state gives it.
    let a = try #require(Self.states["externalips"])
    let legacy = a.servicePorts.filter { $0.name.service.name == "legacy" }
    try #require(!legacy.isEmpty)
    let b = ProxyState(servicePorts: a.servicePorts.filter { $0.name.service.name != "legacy" })
    var inc = IncrementalCompiler(a, node: Self.node)
    var kernel = InMemoryKernel()
    try kernel.apply(RulesetCompiler.compile(a, node: Self.node).ruleset.replaceTransaction())
    try kernel.apply(inc.update(changed: [], removed: legacy.map { ($0.family, $0.name) }))
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(RulesetCompiler.compile(b, node: Self.node).ruleset))
    // And back as a tracked change: legacy takes the key again.
    try kernel.apply(inc.update(changed: legacy, removed: []))
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(RulesetCompiler.compile(a, node: Self.node).ruleset))
  }

  /// Commands of a transaction that touch chains or rules (what makes the kernel re-validate).
  static func ruleCommands(_ tx: Transaction) -> [Command] {
    tx.commands.filter { c in
      switch c {
      case .addChain, .flushChain, .deleteChain, .addRule: true
      default: false
      }
    }
  }

  @Test func endpointChangesTouchNoRule() throws {
    let a = try #require(Self.states["clusterip-multi"])
    let i = try #require(a.servicePorts.firstIndex { $0.name.service.name == "single" })
    var inc = IncrementalCompiler(a, node: Self.node)
    var kernel = InMemoryKernel(RulesetCompiler.compile(a, node: Self.node).ruleset)
    // Replace an endpoint: its slot changes, and the hairpin element (prod/single's endpoints
    // are its own; prod/api's ports share theirs).
    var b = a
    b.servicePorts[i].endpoints[0].ip = IPAddress("10.244.9.9")!
    var tx = inc.update(to: b)
    #expect(Self.ruleCommands(tx).isEmpty, "\(tx.renderScript())")
    #expect(tx.commands.contains { if case .deleteElements(_, let s, _) = $0 { s.name == Names.hairpinSet } else { false } })
    try kernel.apply(tx)
    // Drop endpoints of a port down to a count another destination has, while a third keeps
    // the old count: elements only (the destination moves between the maps of two counts).
    var c = b
    let v4 = a.servicePorts.indices.filter { a.servicePorts[$0].family == .v4 }
    let count = { (j: Int) in a.servicePorts[j].endpoints.count }
    let shrink = try #require(v4.first { j in v4.contains { $0 != j && count($0) == count(j) } && v4.contains { count($0) < count(j) } })
    let target = try #require(v4.map(count).min())
    c.servicePorts[shrink].endpoints.removeLast(count(shrink) - target)
    let grow = shrink
    tx = inc.update(to: c)
    #expect(Self.ruleCommands(tx).isEmpty, "\(tx.renderScript())")
    try kernel.apply(tx)
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(RulesetCompiler.compile(c, node: Self.node).ruleset))
    // A count nobody had: its map and chain appear, and the picker's entry chain is rewritten.
    var d = c
    for _ in 0..<20 {
      d.servicePorts[grow].endpoints.append(
        EndpointInfo(
          ip: IPAddress("10.244.8.\(d.servicePorts[grow].endpoints.count)")!, port: 8080, isLocal: false, ready: true, serving: true,
          terminating: false))
    }
    tx = inc.update(to: d)
    let touched = Set(
      Self.ruleCommands(tx).compactMap { c -> String? in
        switch c {
        case .addChain(_, let ch): ch.name
        case .flushChain(_, let n), .deleteChain(_, let n), .addRule(_, let n, _): n
        default: nil
        }
      })
    #expect(touched.allSatisfy { $0.hasPrefix("pick-endpoint") }, "\(touched)")
    try kernel.apply(tx)
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(RulesetCompiler.compile(d, node: Self.node).ruleset))
  }
}

/// The incremental compiler's own full ruleset (what a resync diffs against, compiled once)
/// equals the full compiler's, element order and warnings included, at start and after updates.
@Suite struct IncrementalCompiledRulesetTests {
  @Test(arguments: FixtureScenarios.names, [false, true])
  func fixturesAssembleLikeAFullCompile(scenario: String, counters: Bool) throws {
    var (state, node) = try FixtureScenarios.reconcile(scenario)
    node.counters = counters
    #expect(IncrementalCompiler(state, node: node).compiled() == RulesetCompiler.compile(state, node: node))
  }

  @Test(arguments: [21, 22, 23] as [UInt64])
  func randomUpdatesAssembleLikeAFullCompile(seed: UInt64) {
    var r = SeededRandom(seed: seed)
    var node = PickerSequenceTests.node
    node.counters = seed != 22
    var state = PickerSequenceTests.state(&r)
    var inc = IncrementalCompiler(state, node: node)
    for step in 0..<15 {
      #expect(inc.compiled() == RulesetCompiler.compile(state, node: node), "seed \(seed) step \(step)")
      state = PickerSequenceTests.state(&r)
      _ = inc.update(to: state)
    }
  }
}

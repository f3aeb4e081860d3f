// Every diff between any two fixtures, applied to the in-memory kernel holding the first,
// yields exactly the second (order-insensitive), and never breaks a reference on the way.
import NFTables
import Testing

/// A ruleset as sets of named objects: creation order does not matter, rule order does.
struct CanonicalRuleset: Equatable {
  struct CanonicalSet: Equatable {
    var header: NFTSet
    var elements: Set<Element>
  }
  struct CanonicalTable: Equatable {
    var comment: String?
    var chains: [String: Chain]
    var sets: [String: CanonicalSet]
  }
  var tables: [TableRef: CanonicalTable]

  init(_ r: Ruleset) {
    var tables: [TableRef: CanonicalTable] = [:]
    for t in r.tables {
      tables[t.ref] = CanonicalTable(
        comment: t.comment,
        chains: Dictionary(uniqueKeysWithValues: t.chains.map { ($0.name, $0) }),
        sets: Dictionary(uniqueKeysWithValues: t.sets.map { ($0.name, CanonicalSet(header: $0.header, elements: Set($0.elements))) }))
    }
    self.tables = tables
  }
}

@Suite struct FixtureDiffTests {
  static let compiled: [String: Ruleset] = {
    var out: [String: Ruleset] = [:]
    for s in Fixtures.scenarios { out[s] = try? Fixtures.compile(s).ruleset }
    return out
  }()

  static var pairs: [(String, String)] {
    Fixtures.scenarios.flatMap { a in Fixtures.scenarios.map { b in (a, b) } }
  }

  @Test func everyFixtureCompiles() {
    #expect(Self.compiled.count == Fixtures.scenarios.count)
  }

  @Test(arguments: pairs)
  func diffTurnsOneFixtureIntoAnother(from: String, to: String) throws {
    let old = try #require(Self.compiled[from])
    let new = try #require(Self.compiled[to])
    var kernel = InMemoryKernel()
    try kernel.apply(old.replaceTransaction())
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(old))
    let tx = old.diff(to: new)
    #expect(tx.error == nil)
    try kernel.apply(tx)
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(new), "\(from) -> \(to)")
    if from == to { #expect(tx.isEmpty) }
  }

  @Test func fullReplaceOverAnExistingTableReachesTarget() throws {
    let a = try #require(Self.compiled["demo"])
    let b = try #require(Self.compiled["session-affinity"])
    var kernel = InMemoryKernel()
    try kernel.apply(a.replaceTransaction())
    try kernel.apply(b.replaceTransaction())
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(b))
  }
}

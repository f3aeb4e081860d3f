// Every diff between any two fixtures, applied to the in-memory kernel holding the first,
// yields exactly the second (order-insensitive), and never breaks a reference on the way.
import NFTables
import Testing

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

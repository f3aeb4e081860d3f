// Lowering then lifting gives back the same typed expressions, for every rule of every
// fixture (no kernel needed).
import KernelTestSupport
import NFTNetlink
import NFTables
import Testing

@Suite struct LiftingTests {
  @Test(arguments: FixtureSet.scenarios)
  func liftInvertsLowering(scenario: String) throws {
    let ruleset = try FixtureSet.ruleset(scenario)
    for t in ruleset.tables {
      let sets = Dictionary(uniqueKeysWithValues: t.sets.map { ($0.name, $0) })
      let lowering = RuleLowering(family: t.family, sets: sets)
      let lifting = RuleLifting(family: t.family)
      for c in t.chains {
        for r in c.rules {
          let regs = try lowering.lower(r)
          #expect(lifting.lift(regs) == r.exprs, "\(t.ref) \(c.name): \(r.exprs) lowered to \(regs)")
        }
      }
    }
  }
}

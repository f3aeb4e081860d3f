// Every fixture's script loads into a real kernel (`nft -f` in a fresh namespace, not just
// --check), and every incremental diff between fixtures yields exactly the target ruleset.
import Foundation
import KernelTestSupport
import NFTables
import Testing

@Suite(.kernelTests) struct KernelLoadTests {
  @Test(arguments: Fixtures.scenarios)
  func fixtureLoads(scenario: String) throws {
    let ns = try ScratchNamespace.make(scenario)
    let script = try Fixtures.compile(scenario).ruleset.renderScript()
    try ns.load(script)
    let listed = try ns.listRuleset()
    #expect(listed.contains("table ip kproxy"))
    #expect(listed.contains("table ip6 kproxy"))
    // Loading again replaces the tables atomically instead of failing or duplicating.
    try ns.load(script)
    #expect(try ns.listRuleset() == listed)
  }

  @Test(arguments: FixtureScenarios.transitions)
  func incrementalDiffReachesTarget(from: String, to: String) throws {
    let incremental = try ScratchNamespace.make("inc")
    let fresh = try ScratchNamespace.make("fresh")
    let old = try Fixtures.compile(from).ruleset
    let new = try Fixtures.compile(to).ruleset
    try incremental.load(old.renderScript())
    let tx = old.diff(to: new)
    #expect(tx.error == nil)
    try incremental.load(tx.renderScript())
    try fresh.load(new.renderScript())
    let got = sortedBlocks(try incremental.listRuleset())
    let want = sortedBlocks(try fresh.listRuleset())
    #expect(got == want, "\(from) -> \(to):\n\(firstDifferences(want, got))")
  }
}

// Every fixture's script loads into a real kernel (`nft -f` in a fresh namespace, not just
// --check) and removes a table of a family the node no longer serves, and every incremental
// diff between fixtures yields exactly the target ruleset.
import Foundation
import KernelTestSupport
import NFTables
import Testing

@Suite(.kernelTests) struct KernelLoadTests {
  @Test(arguments: Fixtures.scenarios)
  func fixtureLoads(scenario: String) throws {
    let ns = try ScratchNamespace.make(scenario)
    let ruleset = try Fixtures.compile(scenario).ruleset
    let script = ruleset.renderScript()
    try ns.load(script)
    let listed = try ns.listRuleset()
    #expect(listed.contains("table ip kproxy"))
    // The ip6 table exists only on a node that serves IPv6 (the dual-stack fixtures).
    let servesIPv6 = ruleset.tables.contains { $0.family == .ip6 }
    #expect(listed.contains("table ip6 kproxy") == servesIPv6)
    #expect(servesIPv6 == ["dual-stack", "length-limits"].contains(scenario))
    // Loading again replaces the tables atomically instead of failing or duplicating.
    try ns.load(script)
    #expect(try ns.listRuleset() == listed)
  }

  @Test(arguments: Fixtures.scenarios)
  func fixtureWithCountersLoads(scenario: String) throws {
    let ns = try ScratchNamespace.make("cnt-\(scenario)")
    let compiled = try Fixtures.compile(scenario, counters: true)
    #expect(compiled.warnings == (try Fixtures.compile(scenario).warnings))
    try ns.load(compiled.ruleset.renderScript())
    let listed = try ns.listRuleset()
    for t in compiled.ruleset.tables {
      // One counter per service port of the table's family, each named by some destination.
      let named = Set(t.sets.filter { $0.dataType == [.counter] }.flatMap(\.elements).compactMap { e -> String? in
        if case .object(let n)? = e.data { return n }
        return nil
      })
      #expect(Set(t.counters.map(\.name)).isSuperset(of: named))
      for c in t.counters { #expect(listed.contains("\tcounter \(c.name) {\n\t\tcomment \"\(c.comment!)\"\n\t\tpackets 0 bytes 0\n")) }
    }
    #expect(listed.contains("counter name ip daddr . meta l4proto . th dport map @service-counters"))
  }

  @Test(arguments: ["demo", "dual-stack"])
  func scriptRemovesATableOfAFamilyNoLongerServed(scenario: String) throws {
    // A node that served both families holds both tables; the script of an IPv4-only node
    // deletes the ip6 one (the `add` + `delete` idiom: nft 1.0.6 has no `destroy`), and
    // loads as well where the table never existed.
    let ns = try ScratchNamespace.make("fam-\(scenario)")
    let ruleset = try Fixtures.compile(scenario).ruleset
    try ns.load(try Fixtures.compile("dual-stack").ruleset.renderScript())
    #expect(try ns.listRuleset().contains("table ip6 kproxy"))
    try ns.load(ruleset.renderScript())
    let listed = try ns.listRuleset()
    #expect(listed.contains("table ip6 kproxy") == (scenario == "dual-stack"))
    try ns.load(ruleset.renderScript())
    #expect(try ns.listRuleset() == listed)
    let fresh = try ScratchNamespace.make("fam-fresh")
    try fresh.load(ruleset.renderScript())
    #expect(try fresh.listRuleset() == listed)
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

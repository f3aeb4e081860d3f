import Foundation
// Parity with nft: a ruleset applied through netlink lists exactly like the same ruleset
// loaded by `nft -f` from its text, for every fixture (also with counters added) and for
// incremental transactions.
import KernelTestSupport
import NFTables
import Testing

@testable import NFTNetlink

@Suite(.kernelTests) struct ParityTests {
  @Test(arguments: FixtureSet.scenarios)
  func fullReplaceListsLikeNft(scenario: String) throws {
    let viaNetlink = try TestNamespace.make(scenario)
    let viaNft = try TestNamespace.make("ref")
    let ruleset = try FixtureSet.ruleset(scenario)
    try NetlinkClient(namespace: viaNetlink.namespace).apply(ruleset.replaceTransaction())
    try viaNft.load(ruleset.renderScript())
    let got = try viaNetlink.listRuleset()
    let want = try viaNft.listRuleset()
    #expect(want.contains("table ip kproxy"))
    #expect(got == want, "\(scenario):\n\(firstDifferences(want, got))")
    // Register level: the same kernel expressions, element bytes and rule user data.
    let gotRegs = try viaNetlink.registerListing()
    let wantRegs = try viaNft.registerListing()
    #expect(wantRegs.contains("[ "))
    #expect(gotRegs == wantRegs, "\(scenario) (netlink debug):\n\(firstDifferences(wantRegs, gotRegs))")
    // Set declarations: every attribute, user data included.
    let reference = try NetlinkClient(namespace: viaNft.namespace)
    let mine = try NetlinkClient(namespace: viaNetlink.namespace)
    for t in ruleset.tables {
      #expect(try mine.setDeclarations(table: t.ref) == reference.setDeclarations(table: t.ref), "\(scenario) \(t.ref)")
    }
    // Applying the same replace again is idempotent.
    try NetlinkClient(namespace: viaNetlink.namespace).apply(ruleset.replaceTransaction())
    #expect(try viaNetlink.listRuleset() == want)
  }

  /// Each fixture with counters added (a counter per service port key, a `: counter` map and
  /// a rule counting through it): a full replace lists like nft -f, down to kernel expressions
  /// and set declarations; adopting it from the plain fixture (read back, diff, apply) too.
  @Test(arguments: FixtureSet.scenarios)
  func fixtureWithCountersListsLikeNft(scenario: String) throws {
    let plain = try FixtureSet.ruleset(scenario)
    let ruleset = CounterVocabulary.addingCounters(to: plain)
    #expect(ruleset != plain, "\(scenario) has no service port set to count through")
    let viaNetlink = try TestNamespace.make("cnt-" + scenario)
    let viaNft = try TestNamespace.make("cnt-ref")
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(ruleset.replaceTransaction())
    try viaNft.load(ruleset.renderScript())
    let want = try viaNft.listRuleset()
    let got = try viaNetlink.listRuleset()
    #expect(got == want, "\(scenario):\n\(firstDifferences(want, got))")
    let wantRegs = try viaNft.registerListing()
    let gotRegs = try viaNetlink.registerListing()
    #expect(gotRegs == wantRegs, "\(scenario) (netlink debug):\n\(firstDifferences(wantRegs, gotRegs))")
    let differences = try setDeclarationDifferences(ruleset, mine: client, reference: NetlinkClient(namespace: viaNft.namespace))
    #expect(differences.isEmpty, "\(scenario): \(differences.joined(separator: "\n"))")

    let adopting = try TestNamespace.make("cnt-adopt")
    let agent = try NetlinkClient(namespace: adopting.namespace)
    try agent.apply(plain.replaceTransaction())
    let refs = ruleset.tables.map(\.ref)
    try agent.apply(try agent.currentRuleset(tables: refs, spelling: ruleset).diff(to: ruleset), knownSets: ruleset)
    #expect(sortedBlocks(try adopting.listRuleset()) == sortedBlocks(want), "\(scenario) adopted")
    #expect(try agent.currentRuleset(tables: refs, spelling: ruleset).diff(to: ruleset).isEmpty)
  }

  @Test(arguments: FixtureScenarios.transitions)
  func incrementalListsLikeNft(from: String, to: String) throws {
    let viaNetlink = try TestNamespace.make("inc")
    let viaNft = try TestNamespace.make("fresh")
    let old = try FixtureSet.ruleset(from)
    let new = try FixtureSet.ruleset(to)
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(old.replaceTransaction())
    try client.apply(old.diff(to: new), knownSets: new)
    try viaNft.load(new.renderScript())
    let got = sortedBlocks(try viaNetlink.listRuleset())
    let want = sortedBlocks(try viaNft.listRuleset())
    #expect(got == want, "\(from) -> \(to):\n\(firstDifferences(want, got))")
  }
}

import Foundation
// Counters through netlink list exactly like the same ruleset loaded by `nft -f` (listing,
// kernel expressions, set declarations), for a full replace and an incremental change made
// from read-back; what netlink wrote reads back into the same model.
import KernelTestSupport
import NFTables
import Testing

@testable import NFTNetlink

@Suite(.kernelTests) struct CounterParityTests {
  @Test(arguments: ["before", "after"])
  func fullReplaceListsLikeNft(which: String) throws {
    let ruleset = which == "before" ? CounterVocabulary.beforeRuleset : CounterVocabulary.afterRuleset
    let viaNetlink = try TestNamespace.make("ctr-nl")
    let viaNft = try TestNamespace.make("ctr-nft")
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(ruleset.replaceTransaction())
    try viaNft.load(ruleset.renderScript())
    let want = try viaNft.listRuleset()
    #expect(want.contains("counter c-a {"))
    let got = try viaNetlink.listRuleset()
    #expect(got == want, "\(firstDifferences(want, got))")
    let wantRegs = try viaNft.registerListing()
    #expect(wantRegs.contains("objref sreg 1 set service-counters"))
    let gotRegs = try viaNetlink.registerListing()
    #expect(gotRegs == wantRegs, "\(firstDifferences(wantRegs, gotRegs))")
    let differences = try setDeclarationDifferences(ruleset, mine: client, reference: NetlinkClient(namespace: viaNft.namespace))
    #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    // The same replace again is idempotent.
    try client.apply(ruleset.replaceTransaction())
    #expect(try viaNetlink.listRuleset() == want)
  }

  @Test func readBackEqualsModel() throws {
    let ns = try TestNamespace.make("ctr-rb")
    let desired = CounterVocabulary.beforeRuleset
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(desired.replaceTransaction())
    let kernel = try client.currentRuleset(tables: desired.tables.map(\.ref), spelling: desired)
    #expect(canonical(kernel) == canonical(desired))
    #expect(kernel.diff(to: desired).isEmpty)
    // Without a spelling hint too (no interval element here is spelled two ways).
    #expect(canonical(try client.currentRuleset(tables: desired.tables.map(\.ref))) == canonical(desired))
  }

  /// The agent's path: read back, diff, apply through netlink; then the kernel lists like a
  /// fresh `nft -f` of the new ruleset, and reading back again finds nothing to do.
  @Test func incrementalFromReadBackListsLikeNft() throws {
    let viaNetlink = try TestNamespace.make("ctr-inc")
    let viaNft = try TestNamespace.make("ctr-fresh")
    let old = CounterVocabulary.beforeRuleset
    let new = CounterVocabulary.afterRuleset
    let refs = new.tables.map(\.ref)
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(old.replaceTransaction())
    let tx = try client.currentRuleset(tables: refs, spelling: new).diff(to: new)
    let text = tx.renderScript()
    #expect(text.contains("delete counter ip kproxy c-b"))
    #expect(text.contains("add counter ip kproxy c-new"))
    try client.apply(tx, knownSets: new)
    try viaNft.load(new.renderScript())
    let want = sortedBlocks(try viaNft.listRuleset())
    let got = sortedBlocks(try viaNetlink.listRuleset())
    #expect(got == want, "\(firstDifferences(want, got))")
    #expect(try client.currentRuleset(tables: refs, spelling: new).diff(to: new).isEmpty)
    // The same transaction as nft text, from the same start, lists the same.
    let viaText = try TestNamespace.make("ctr-text")
    try viaText.load(old.renderScript())
    try viaText.load(text)
    #expect(sortedBlocks(try viaText.listRuleset()) == want)
  }
}

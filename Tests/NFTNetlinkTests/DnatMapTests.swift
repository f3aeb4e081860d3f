// Endpoint choice through `typeof` maps and `dnat ip to … map`, in ip and ip6 tables: parity with
// nft (listing, kernel expressions, set declarations), read-back into the model, and an
// incremental transaction that rewrites map data and moves keys between `endpoints-N` sets.
import KernelTestSupport
import NFTables
import Testing

@testable import NFTNetlink

@Suite(.kernelTests) struct DnatMapTests {
  @Test func listsLikeNft() throws {
    let viaNetlink = try TestNamespace.make("dnatmap")
    let viaNft = try TestNamespace.make("dnatmap-ref")
    let ruleset = DnatMaps.before
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(ruleset.replaceTransaction())
    try viaNft.load(ruleset.renderScript())
    let want = try viaNft.listRuleset()
    #expect(want.contains("typeof ip daddr . meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport"))
    #expect(want.contains("typeof meta l4proto . th dport . numgen random mod 1 : ip6 daddr . th dport"))
    #expect(want.contains("dnat ip6 to ip6 daddr . meta l4proto . th dport . numgen random mod 3 map @endpoints"))
    #expect(want.contains("172.16.0.1 . tcp . 80 . 2 : 10.0.0.5 . 8080"))
    let got = try viaNetlink.listRuleset()
    #expect(got == want, "\(firstDifferences(want, got))")
    let wantRegs = try viaNft.registerListing()
    #expect(wantRegs.contains("[ nat dnat ip addr_min reg 1 addr_max reg 1 proto_min reg 9 proto_max reg 9 flags 0x3 ]"))
    #expect(wantRegs.contains("[ nat dnat ip6 addr_min reg 1 addr_max reg 1 proto_min reg 2 proto_max reg 2 flags 0x3 ]"))
    let gotRegs = try viaNetlink.registerListing()
    #expect(gotRegs == wantRegs, "\(firstDifferences(wantRegs, gotRegs))")
    let reference = try NetlinkClient(namespace: viaNft.namespace)
    let differences = try setDeclarationDifferences(ruleset, mine: client, reference: reference)
    #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    // The same replace again changes nothing.
    try client.apply(ruleset.replaceTransaction())
    #expect(try viaNetlink.listRuleset() == want)
  }

  @Test func readsBackAsTheModel() throws {
    let viaNetlink = try TestNamespace.make("dnatmap-rb")
    let viaNft = try TestNamespace.make("dnatmap-rbref")
    let ruleset = DnatMaps.before
    let refs = ruleset.tables.map(\.ref)
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(ruleset.replaceTransaction())
    // Lifted from the kernel alone (no spelling hints), and with them.
    #expect(canonical(try client.currentRuleset(tables: refs)) == canonical(ruleset))
    let back = try client.currentRuleset(tables: refs, spelling: ruleset)
    #expect(canonical(back) == canonical(ruleset))
    #expect(back.diff(to: ruleset).isEmpty)
    // What nft itself wrote (its user data, its rules) reads back the same.
    try viaNft.load(ruleset.renderScript())
    let fromNft = try NetlinkClient(namespace: viaNft.namespace).currentRuleset(tables: refs)
    #expect(canonical(fromNft) == canonical(ruleset))
  }

  @Test func incrementalChangesListLikeNft() throws {
    let viaNetlink = try TestNamespace.make("dnatmap-inc")
    let viaNft = try TestNamespace.make("dnatmap-incref")
    let old = DnatMaps.before
    let new = DnatMaps.after
    let tx = old.diff(to: new)
    // Map elements of changed data are deleted and added again; keys move between sets.
    for t in new.tables {
      for (set, deleted) in [("endpoints", true), ("endpoints", false), ("endpoints-3", true), ("endpoints-1", false)] {
        #expect(
          tx.commands.contains {
            switch $0 {
            case .deleteElements(let r, let s, _): deleted && r == t.ref && s.name == set
            case .addElements(let r, let s, _): !deleted && r == t.ref && s.name == set
            default: false
            }
          }, "\(t.ref) \(deleted ? "delete from" : "add to") \(set)")
      }
    }
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(old.replaceTransaction())
    try client.apply(tx, knownSets: new)
    try viaNft.load(old.renderScript())
    try viaNft.load(tx.renderScript())
    let want = try viaNft.listRuleset()
    #expect(want.contains("172.16.0.1 . tcp . 80 . 0 : 10.0.0.9 . 9090"))
    #expect(!want.contains("172.16.0.1 . tcp . 80 . 1"))
    let got = try viaNetlink.listRuleset()
    #expect(got == want, "\(firstDifferences(want, got))")
    let gotRegs = try viaNetlink.registerListing()
    let wantRegs = try viaNft.registerListing()
    #expect(gotRegs == wantRegs, "\(firstDifferences(wantRegs, gotRegs))")
    // A fresh load of the new ruleset lists the same objects.
    let fresh = try TestNamespace.make("dnatmap-fresh")
    try fresh.load(new.renderScript())
    #expect(sortedBlocks(got) == sortedBlocks(try fresh.listRuleset()))
    let back = try client.currentRuleset(tables: new.tables.map(\.ref), spelling: new)
    #expect(canonical(back) == canonical(new))
    #expect(back.diff(to: new).isEmpty)
  }

  @Test func readerMatchesLibnftnl() throws {
    let ns = try TestNamespace.make("dnatmap-rmsg")
    let ruleset = DnatMaps.before
    try NetlinkClient(namespace: ns.namespace).apply(ruleset.replaceTransaction())
    try RuleMessageTests.compareReaders(ruleset, in: ns)
  }
}

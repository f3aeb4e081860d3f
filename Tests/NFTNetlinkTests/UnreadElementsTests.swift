// Read-back without the elements of large sets (their dump is quadratic in the kernel): the
// diff flushes and refills such sets, so that elements someone removed, added or changed are
// repaired, while the sets themselves (their handles) and the rules using them stay.
import KernelTestSupport
import NFTNetlink
import NFTables
import Testing

@Suite(.kernelTests) struct UnreadElementsTests {
  @Test func tamperedElementsOfAnUnreadSetAreRepaired() throws {
    let ns = try TestNamespace.make("unread")
    let ref = try TestNamespace.make("unread-ref")
    let desired = try FixtureSet.ruleset("demo")
    let refs = desired.tables.map(\.ref)
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(desired.replaceTransaction())
    try ref.load(desired.renderScript())
    let want = sortedBlocks(try ref.listRuleset())

    // Someone removes an endpoint slot and adds one of their own to a slot map.
    _ = try ns.nft(["delete", "element", "ip", "kproxy", "endpoints-1", "{ 10.96.0.1 . tcp . 443 . 0 }"])
    _ = try ns.nft(["add", "element", "ip", "kproxy", "endpoints-1", "{ 10.96.0.99 . tcp . 443 . 0 : 10.9.9.9 . 80 }"])
    #expect(sortedBlocks(try ns.listRuleset()) != want)

    // A limit of 0: every set the desired ruleset gives elements is left unread.
    let (kernel, unread) = try client.currentRuleset(tables: refs, spelling: desired, elementDumpLimit: 0)
    let ip = TableRef(family: .ip, name: "kproxy")
    #expect(unread[ip]?.contains("endpoints-1") == true)
    let set = try #require(kernel.tables.first { $0.ref == ip }?.sets.first { $0.name == "endpoints-1" })
    #expect(set.elements.isEmpty)
    // Exactly the non-dynamic sets over the limit are left unread; empty ones are read.
    for table in desired.tables {
      let expected = Set(table.sets.filter { !$0.flags.contains(.dynamic) && !$0.elements.isEmpty }.map(\.name))
      #expect((unread[table.ref] ?? []) == expected)
    }

    try client.apply(kernel.diff(to: desired, unreadElements: unread), knownSets: desired)
    #expect(sortedBlocks(try ns.listRuleset()) == want)
    #expect(try client.currentRuleset(tables: refs, spelling: desired).diff(to: desired).isEmpty)
  }

  @Test func withoutTamperingTheUnreadSetsAreRefilledAndNothingElseChanges() throws {
    let ns = try TestNamespace.make("unread-same")
    let desired = try FixtureSet.ruleset("demo")
    let refs = desired.tables.map(\.ref)
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(desired.replaceTransaction())
    let before = sortedBlocks(try ns.listRuleset())
    let handlesBefore = try ns.setHandles()
    #expect(handlesBefore.count >= 4)
    let (kernel, unread) = try client.currentRuleset(tables: refs, spelling: desired, elementDumpLimit: 0)
    #expect(!unread.isEmpty)
    let tx = kernel.diff(to: desired, unreadElements: unread)
    #expect(!tx.isEmpty)
    // Only flushes and elements: no set declared or deleted, no chain rewritten.
    #expect(
      tx.commands.allSatisfy { c in
        switch c {
        case .flushSet, .addElements: true
        default: false
        }
      })
    try client.apply(tx, knownSets: desired)
    #expect(sortedBlocks(try ns.listRuleset()) == before)
    // The same sets (kernel handles) as before: refilled, not declared anew.
    #expect(try ns.setHandles() == handlesBefore)
    // With no limit nothing is left unread and nothing is to be done.
    let (full, none) = try client.currentRuleset(tables: refs, spelling: desired, elementDumpLimit: nil)
    #expect(none.isEmpty)
    #expect(full.diff(to: desired, unreadElements: none).isEmpty)
  }
}

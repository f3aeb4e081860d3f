// Commits checked against a generation (NFNL_BATCH_GENID): the kernel refuses a batch computed
// against an older generation with ERESTART and changes nothing; an accepted one reports the
// generation it produced, and a batch that changes nothing reports the unchanged generation.
import KernelTestSupport
import NFTNetlink
import NFTables
import Testing

@Suite(.kernelTests) struct GenerationCheckedApplyTests {
  static let ref = TableRef(family: .ip, name: "kproxy")

  static func addSet(_ name: String) -> Transaction {
    var tx = Transaction()
    tx.add(.addTable(ref, comment: nil))
    tx.add(.addSet(ref, NFTSet(name: name, keyType: [.ipv4Addr])))
    return tx
  }

  @Test func aStaleGenerationIsRefusedAndNothingChanges() throws {
    let ns = try TestNamespace.make("genid")
    let client = try NetlinkClient(namespace: ns.namespace)
    let g0 = try client.rulesetGeneration()
    var first = Self.addSet("a")
    first.add(.addElements(Self.ref, set: NFTSet(name: "a", keyType: [.ipv4Addr]), [Element([.address(.v4(.init(0x0a00_0001)))])]))
    let g1 = try client.apply(first, knownSets: Ruleset(), expectingGeneration: g0)
    #expect(g1 == NetlinkClient.generation(after: g0))
    #expect(try client.rulesetGeneration() == g1)
    // Computed against g0, which is gone: refused as a whole.
    let listing = try ns.listRuleset()
    #expect {
      _ = try client.apply(Self.addSet("b"), knownSets: Ruleset(), expectingGeneration: g0)
    } throws: { ($0 as? NetlinkError)?.isStaleGeneration == true }
    #expect(try ns.listRuleset() == listing)
    #expect(try client.rulesetGeneration() == g1)
    // Another writer moves it too.
    _ = try ns.nft(["add", "table", "ip", "other"])
    #expect {
      _ = try client.apply(Self.addSet("b"), knownSets: Ruleset(), expectingGeneration: g1!)
    } throws: { ($0 as? NetlinkError)?.isStaleGeneration == true }
    #expect(!(try ns.listRuleset()).contains("set b"))
  }

  @Test func aBatchThatChangesNothingKeepsTheGeneration() throws {
    let ns = try TestNamespace.make("genid-noop")
    let client = try NetlinkClient(namespace: ns.namespace)
    _ = try client.apply(Self.addSet("a"), knownSets: Ruleset(), expectingGeneration: try client.rulesetGeneration())
    let g = try client.rulesetGeneration()
    // Adding what exists changes nothing: the kernel does not move the generation.
    var noop = Transaction()
    noop.add(.addTable(Self.ref, comment: nil))
    #expect(try client.apply(noop, knownSets: Ruleset(), expectingGeneration: g) == g)
    #expect(try client.rulesetGeneration() == g)
  }

  @Test func namespacesHaveDistinctCookies() throws {
    let a = try TestNamespace.make("cookie-a")
    let b = try TestNamespace.make("cookie-b")
    let ca = try NetlinkClient(namespace: a.namespace).namespaceCookie()
    #expect(ca == (try NetlinkClient(namespace: a.namespace).namespaceCookie()))
    #expect(ca != (try NetlinkClient(namespace: b.namespace).namespaceCookie()))
    #expect(try NetlinkClient(namespace: a.namespace).namespaceInode() != (try NetlinkClient(namespace: b.namespace).namespaceInode()))
  }
}

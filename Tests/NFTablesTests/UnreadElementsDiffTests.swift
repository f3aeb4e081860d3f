// The diff against a read-back that left a large set's elements out: the set is flushed and
// refilled with every desired element, so that whatever the kernel held in it (missing, foreign,
// changed elements) ends up exactly as desired; the set and the rule using it stay. A set whose
// declaration changed is still declared anew.
import NFTables
import NetAddress
import Testing

@Suite struct UnreadElementsDiffTests {
  static let t = TableRef(family: .ip, name: "kproxy")
  static func slot(_ vip: String, _ i: UInt32, _ ep: String) -> Element {
    Element([.address(IPAddress(vip)!), .integer(i)], data: .values([.address(IPAddress(ep)!)]))
  }
  static func ruleset(_ elements: [Element]) -> Ruleset {
    let map = NFTSet(name: "endpoints-2", keyType: [.ipv4Addr, .mark], dataType: [.ipv4Addr], elements: elements)
    let rule = Rule([.lookup([.daddr(.v4)], set: "endpoints-2", negated: false), .verdict(.accept)])
    return Ruleset(tables: [Table(family: .ip, name: "kproxy", sets: [map], chains: [Chain(name: "pick", rules: [rule])])])
  }

  @Test func unreadSetIsFlushedAndRefilledAndEndsExactlyAsDesired() throws {
    let desired = Self.ruleset([Self.slot("10.96.0.1", 0, "10.0.0.1"), Self.slot("10.96.0.1", 1, "10.0.0.2")])
    // What the kernel holds: one slot gone, one changed, one foreign.
    let tampered = Self.ruleset([Self.slot("10.96.0.1", 1, "10.9.9.9"), Self.slot("10.96.0.7", 0, "10.9.9.8")])
    var kernel = InMemoryKernel()
    try kernel.apply(tampered.replaceTransaction())
    // The read-back without the map's elements.
    var readBack = kernel.ruleset
    readBack.tables[0].sets[0].elements = []
    let tx = readBack.diff(to: desired, unreadElements: [Self.t: ["endpoints-2"]])
    try kernel.apply(tx)
    #expect(kernel.ruleset.tables[0].sets[0].elements.sorted { "\($0)" < "\($1)" } == desired.tables[0].sets[0].elements)
    #expect(kernel.ruleset.tables[0].chains == desired.tables[0].chains)
    // Neither the set nor the rule using it is touched: flush, then every desired element.
    #expect(
      tx.commands == [
        .flushSet(Self.t, set: "endpoints-2", isMap: true),
        .addElements(Self.t, set: desired.tables[0].sets[0].header, desired.tables[0].sets[0].elements),
      ])
    // Taking the empty read-back at its word would leave the foreign slot in place.
    var naive = InMemoryKernel()
    try naive.apply(tampered.replaceTransaction())
    try? naive.apply(readBack.diff(to: desired))
    #expect(naive.ruleset.tables[0].sets[0].elements != kernel.ruleset.tables[0].sets[0].elements)
  }

  @Test func unreadSetWithAChangedDeclarationIsDeclaredAnew() throws {
    let old = Self.ruleset([Self.slot("10.96.0.1", 0, "10.0.0.1")])
    var desired = old
    desired.tables[0].sets[0].comment = "destinations with 2 endpoints"
    var kernel = InMemoryKernel()
    try kernel.apply(old.replaceTransaction())
    var readBack = kernel.ruleset
    readBack.tables[0].sets[0].elements = []
    let tx = readBack.diff(to: desired, unreadElements: [Self.t: ["endpoints-2"]])
    #expect(!tx.commands.contains { if case .flushSet = $0 { true } else { false } })
    #expect(tx.commands.contains(.deleteSet(Self.t, set: "endpoints-2", isMap: true)))
    #expect(tx.commands.contains(.flushChain(Self.t, chain: "pick")))
    try kernel.apply(tx)
    #expect(kernel.ruleset == desired)
  }

  @Test func noUnreadSetsIsThePlainDiff() {
    let desired = Self.ruleset([Self.slot("10.96.0.1", 0, "10.0.0.1")])
    #expect(desired.diff(to: desired, unreadElements: [:]).isEmpty)
    #expect(desired.diff(to: desired, unreadElements: [TableRef(family: .ip6, name: "kproxy"): ["endpoints-2"]]).isEmpty)
  }
}

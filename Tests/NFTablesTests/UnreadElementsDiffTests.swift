// The diff against a read-back that left a large set's elements out: the set is declared anew
// with every desired element, so that whatever the kernel held in it (missing, foreign, changed
// elements) ends up exactly as desired; the rule using it is rewritten in the same transaction.
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

  @Test func unreadSetIsDeclaredAnewAndEndsExactlyAsDesired() throws {
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
    #expect(tx.commands.contains(.flushChain(Self.t, chain: "pick")))
    // Taking the empty read-back at its word would leave the foreign slot in place.
    var naive = InMemoryKernel()
    try naive.apply(tampered.replaceTransaction())
    try? naive.apply(readBack.diff(to: desired))
    #expect(naive.ruleset.tables[0].sets[0].elements != kernel.ruleset.tables[0].sets[0].elements)
  }

  @Test func noUnreadSetsIsThePlainDiff() {
    let desired = Self.ruleset([Self.slot("10.96.0.1", 0, "10.0.0.1")])
    #expect(desired.diff(to: desired, unreadElements: [:]).isEmpty)
    #expect(desired.diff(to: desired, unreadElements: [TableRef(family: .ip6, name: "kproxy"): ["endpoints-2"]]).isEmpty)
  }
}

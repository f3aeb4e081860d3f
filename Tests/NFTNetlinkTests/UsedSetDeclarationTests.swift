// A transaction whose rules use sets that an earlier transaction created, applied without any
// declarations at hand: the client reads the declarations it needs from the kernel.
import KernelTestSupport
import NFTables
import NetAddress
import Testing

@testable import NFTNetlink

@Suite(.kernelTests) struct UsedSetDeclarationTests {
  @Test func rulesMayUseSetsOfEarlierTransactions() throws {
    let ns = try TestNamespace.make("usedsets")
    let client = try NetlinkClient(namespace: ns.namespace)
    let t = TableRef(family: .ip, name: "kproxy")
    let ports = NFTSet(name: "ports", keyType: [.inetProto, .inetService])
    let slots = NFTSet(
      name: "slots", keyType: [.ipv4Addr, .inetProto, .inetService, .integer], dataType: [.ipv4Addr, .inetService],
      typeof: SetTypeof(key: [.daddr(.v4), .l4proto, .thDport, .numgenRandom(mod: 2)], data: [.daddr(.v4), .thDport]))
    var first = Transaction()
    first.add(.addTable(t, comment: nil))
    first.add(.addChain(t, Chain(name: "pre", base: BaseChain(type: .nat, hook: .prerouting, priority: -100))))
    first.add(.addChain(t, Chain(name: "pick")))
    first.add(.addSet(t, ports))
    first.add(.addSet(t, slots))
    first.add(.addRule(t, chain: "pre", Rule([.lookup([.l4proto, .thDport], set: "ports", negated: false), .verdict(.jump("pick"))])))
    try client.apply(first)
    // The second transaction declares nothing: both sets' key types come from the kernel.
    var second = Transaction()
    second.add(
      .addRule(t, chain: "pick", Rule([.dnatMap([.daddr(.v4), .l4proto, .thDport, .numgenRandom(mod: 2)], map: "slots", version: .v4)])))
    second.add(.addRule(t, chain: "pre", Rule([.lookup([.l4proto, .thDport], set: "ports", negated: true), .verdict(.accept)])))
    try client.apply(second)
    let listing = try ns.listRuleset()
    #expect(listing.contains("dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 2 map @slots"))
    #expect(listing.contains("meta l4proto . th dport != @ports accept"))
    // A set neither declared nor in the kernel is still an error that names it.
    var third = Transaction()
    third.add(.addRule(t, chain: "pre", Rule([.lookup([.l4proto, .thDport], set: "absent", negated: false), .verdict(.drop)])))
    #expect(throws: NetlinkError.self) { try client.apply(third) }
  }
}

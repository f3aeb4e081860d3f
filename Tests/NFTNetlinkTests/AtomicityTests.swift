import Foundation
// Atomicity and error mapping against a real kernel: a transaction with one invalid object
// changes nothing, and the error names that object and the errno.
import KernelTestSupport
import NFTNetlink
import NFTables
import Testing

@Suite(.kernelTests) struct AtomicityTests {
  @Test func invalidRuleChangesNothingAndIsNamed() throws {
    let ns = try TestNamespace.make("atomic")
    let desired = try FixtureSet.ruleset("demo")
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(desired.replaceTransaction())
    let before = try ns.listRuleset()

    let ip = TableRef(family: .ip, name: "kproxy")
    let set = try #require(desired.tables[0].sets.first { $0.name == "cluster-ips" })
    var tx = Transaction()
    tx.add(.addChain(ip, Chain(name: "brand-new")))
    tx.add(.addElements(ip, set: set.header, [Element([.address(.v4(.init(0x0a60_6363)))])]))
    tx.add(.flushChain(ip, chain: "services"))
    tx.add(.addRule(ip, chain: "services", Rule([.verdict(.jump("no-such-chain"))])))
    tx.add(.addRule(ip, chain: "services", Rule([.verdict(.accept)])))
    #expect(tx.error == nil)

    let error = try #require(throws: NetlinkError.self) { try client.apply(tx, knownSets: desired) }
    #expect(error == .rejected(operation: "add rule to chain services in table ip kproxy", errno: ENOENT))
    #expect(error.description == "netlink: add rule to chain services in table ip kproxy: No such file or directory (ENOENT)")
    #expect(try ns.listRuleset() == before)
  }

  @Test func missingTableIsNamed() throws {
    let ns = try TestNamespace.make("missing")
    let client = try NetlinkClient(namespace: ns.namespace)
    var tx = Transaction()
    tx.add(.addTable(TableRef(family: .ip, name: "t"), comment: nil))
    tx.add(.addChain(TableRef(family: .ip6, name: "absent"), Chain(name: "c")))
    let error = try #require(throws: NetlinkError.self) { try client.apply(tx) }
    #expect(error == .rejected(operation: "add chain c in table ip6 absent", errno: ENOENT))
    #expect(try ns.listRuleset() == "")
  }

  @Test func unknownSetIsALoweringError() throws {
    let ns = try TestNamespace.make("lowering")
    let client = try NetlinkClient(namespace: ns.namespace)
    var tx = Transaction()
    let t = TableRef(family: .ip, name: "t")
    tx.add(.addTable(t, comment: nil))
    tx.add(.addChain(t, Chain(name: "c")))
    tx.add(.addRule(t, chain: "c", Rule([.lookup([.saddr(.v4)], set: "nowhere", negated: false)])))
    let error = try #require(throws: NetlinkError.self) { try client.apply(tx) }
    #expect(error == .lowering(operation: "add rule to chain c in table ip t", reason: "rule refers to set nowhere, which is not declared"))
    #expect(try ns.listRuleset() == "")
  }

  @Test func missingNamespaceIsNamed() throws {
    let error = try #require(throws: NetlinkError.self) { try NetlinkClient(namespace: NetworkNamespace("kproxy-no-such-ns")) }
    #expect(error == .namespace(path: "/run/netns/kproxy-no-such-ns", errno: ENOENT))
  }

  @Test func largeTransactionIsSplitAndAcknowledged() throws {
    let ns = try TestNamespace.make("large")
    let client = try NetlinkClient(namespace: ns.namespace)
    let t = TableRef(family: .ip, name: "big")
    let set = NFTSet(name: "s", keyType: [.ipv4Addr, .inetProto, .inetService], dataType: [.verdict])
    let elements = (0..<20000).map { i in
      Element(
        [.address(.v4(.init(0x0a00_0000 + UInt32(i)))), .proto(.tcp), .port(80)], data: .verdict(.goto("c")), comment: "element \(i)")
    }
    var tx = Transaction()
    tx.add(.addTable(t, comment: nil))
    tx.add(.addChain(t, Chain(name: "c")))
    tx.add(.addSet(t, set))
    for i in 0..<2000 {
      tx.add(.addRule(t, chain: "c", Rule([.cmp(.saddr(.v4), .eq, .address(.v4(.init(UInt32(i))))), .counter, .verdict(.accept)])))
    }
    tx.add(.addElements(t, set: set, elements))
    try client.apply(tx)
    let back = try client.currentRuleset(tables: [t])
    #expect(back.tables.first?.sets.first?.elements.count == 20000)
    #expect(back.tables.first?.chains.first?.rules.count == 2000)
  }
}

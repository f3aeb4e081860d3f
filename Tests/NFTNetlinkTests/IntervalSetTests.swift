import Foundation
// Single-field interval sets (kproxy's `cluster-cidrs` when a family has several pod CIDRs):
// rbtree encoding with interval ends, parity with nft, read-back and incremental updates.
import KernelTestSupport
import NFTNetlink
import NFTables
import NetAddress
import Testing

func cidrRuleset(_ cidrs: [String], family: TableFamily = .ip) -> Ruleset {
  let v: IPVersion = family == .ip ? .v4 : .v6
  let set = NFTSet(
    name: "cluster-cidrs", keyType: [v.addressType], flags: .interval, comment: "Pod CIDRs",
    elements: cidrs.map { Element([.prefix(IPPrefix($0)!)]) })
  let chain = Chain(
    name: "c",
    rules: [
      Rule([.lookup([.saddr(v)], set: "cluster-cidrs", negated: true), .verdict(.drop)])
    ])
  return Ruleset(tables: [Table(family: family, name: "kproxy", sets: [set], chains: [chain])])
}

@Suite(.kernelTests) struct IntervalSetTests {
  static let cases: [([String], TableFamily)] = [
    (["10.244.0.0/16", "10.250.0.0/16"], .ip),
    (["0.0.0.0/8", "192.168.0.0/24", "255.255.255.0/24"], .ip),
    (["fd00:10:244::/56", "fd00:20::/64"], .ip6),
  ]

  @Test(arguments: cases)
  func parityAndReadBack(cidrs: [String], family: TableFamily) throws {
    let viaNetlink = try TestNamespace.make("rbtree")
    let viaNft = try TestNamespace.make("rbtree-ref")
    let ruleset = cidrRuleset(cidrs, family: family)
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(ruleset.replaceTransaction())
    try viaNft.load(ruleset.renderScript())
    #expect(try viaNetlink.listRuleset() == viaNft.listRuleset())
    #expect(try viaNetlink.registerListing() == viaNft.registerListing())
    let back = try client.currentRuleset(tables: ruleset.tables.map(\.ref), spelling: ruleset)
    #expect(canonical(back) == canonical(ruleset))
  }

  @Test func incrementalRangeChanges() throws {
    let viaNetlink = try TestNamespace.make("rbtree-inc")
    let viaNft = try TestNamespace.make("rbtree-inc-ref")
    let a = cidrRuleset(["10.244.0.0/16", "10.250.0.0/16"])
    let b = cidrRuleset(["10.244.0.0/16", "10.96.0.0/12", "172.16.0.0/16"])
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(a.replaceTransaction())
    let kernel = try client.currentRuleset(tables: a.tables.map(\.ref), spelling: b)
    try client.apply(kernel.diff(to: b), knownSets: b)
    try viaNft.load(b.renderScript())
    #expect(try viaNetlink.listRuleset() == viaNft.listRuleset())
    #expect(try client.currentRuleset(tables: b.tables.map(\.ref), spelling: b).diff(to: b).isEmpty)
  }
}

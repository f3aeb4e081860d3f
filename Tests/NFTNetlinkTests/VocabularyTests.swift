import Foundation
// Every case of the rule vocabulary and every set shape, beyond what the fixtures use: parity
// with nft (listing, kernel expressions, set declarations) and read-back.
import KernelTestSupport
import NFTables
import NetAddress
import Testing

@testable import NFTNetlink

enum Vocabulary {
  static func ip(_ s: String) -> IPAddress { IPAddress(s)! }
  static func net(_ s: String) -> IPPrefix { IPPrefix(s)! }

  static func table(_ family: TableFamily) -> Table {
    let v: IPVersion = family == .ip ? .v4 : .v6
    let a = v.addressType
    let here = family == .ip ? ip("10.0.0.1") : ip("fd00::1")
    let there = family == .ip ? ip("10.0.0.2") : ip("fd00::2")
    let narrow = family == .ip ? net("10.96.0.0/20") : net("fd00:96::/60")
    let wide = family == .ip ? net("10.244.0.0/16") : net("fd00:10:244::/64")
    let sets = [
      NFTSet(name: "marks", keyType: [.mark], flags: .interval, elements: [Element([.integer(5)]), Element([.integer(0x10)])]),
      NFTSet(
        name: "ports", keyType: [.inetService], comment: "ports", elements: [Element([.port(53)]), Element([.port(80)], comment: "web")]),
      NFTSet(
        name: "protos", keyType: [.inetProto], dataType: [.verdict],
        elements: [Element([.proto(.udp)], data: .verdict(.jump("c2"))), Element([.proto(.sctp)], data: .verdict(.drop))]),
      NFTSet(name: "pairs", keyType: [a, .inetService], flags: [.dynamic, .timeout], timeoutSeconds: 30, size: 1024),
      NFTSet(
        name: "ranges", keyType: [a, .inetProto], flags: .interval,
        elements: [Element([.prefix(wide), .proto(.tcp)]), Element([.address(here), .proto(.udp)])]),
      NFTSet(name: "nets", keyType: [a], flags: .interval, elements: [Element([.prefix(narrow)]), Element([.prefix(wide)])]),
      // Maps with value data, declared by type and by typeof; typeof sets of single fields.
      NFTSet(
        name: "choice", keyType: [a, .inetProto, .inetService, .integer], dataType: [a, .inetService],
        typeof: SetTypeof(key: [.daddr(v), .l4proto, .thDport, .numgenRandom(mod: 1)], data: [.daddr(v), .thDport]),
        comment: "choice",
        elements: [
          Element([.address(here), .proto(.tcp), .port(80), .integer(0)], data: .values([.address(there), .port(8080)])),
          Element([.address(here), .proto(.tcp), .port(80), .integer(1)], data: .values([.address(here), .port(8081)])),
        ]),
      NFTSet(
        name: "choice-ranges", keyType: [.inetProto, .inetService, .integer], dataType: [a, .inetService],
        typeof: SetTypeof(key: [.l4proto, .thDport, .numgenRandom(mod: 1)], data: [.daddr(v), .thDport]), flags: .interval,
        elements: [Element([.proto(.udp), .port(53), .integer(7)], data: .values([.address(there), .port(5353)]))]),
      NFTSet(
        name: "redirects", keyType: [a], dataType: [a, .inetService],
        elements: [Element([.address(here)], data: .values([.address(there), .port(443)]), comment: "moved")]),
      NFTSet(
        name: "port-map", keyType: [.inetProto], dataType: [.inetService],
        elements: [Element([.proto(.tcp)], data: .values([.port(8080)]))]),
      NFTSet(
        name: "sources", keyType: [a, .inetService], typeof: SetTypeof(key: [.saddr(v), .dport(.tcp)]),
        elements: [Element([.address(there), .port(22)])]),
      NFTSet(name: "protocols", keyType: [.inetProto], typeof: SetTypeof(key: [.l4proto]), elements: [Element([.proto(.sctp)])]),
      NFTSet(
        name: "picks", keyType: [.integer], typeof: SetTypeof(key: [.numgenRandom(mod: 4)]),
        elements: [Element([.integer(3)]), Element([.integer(0)])]),
      NFTSet(
        name: "clients", keyType: [a], typeof: SetTypeof(key: [.saddr(v)]), flags: [.dynamic, .timeout], timeoutSeconds: 60, size: 4096),
    ]
    let rules: [Rule] = [
      Rule([.cmp(.fibDaddrType, .eq, .fibType(.local)), .verdict(.accept)]),
      Rule([.cmp(.fibSaddrType, .eq, .fibType(.local)), .counter, .verdict(.return_)]),
      Rule([.maskedCmp(.mark, mask: 0x10, .neq, 0), .verdict(.drop)]),
      Rule([.cmp(.ctState, .neq, .ctState(.established)), .verdict(.jump("c2"))]),
      Rule([.cmp(.ctState, .eq, .ctState(.related)), .cmp(.ctStatus, .eq, .ctStatus(.dnat)), .verdict(.accept)]),
      Rule([.cmp(.mark, .eq, .integer(5)), .markXor(0x4000)]),
      Rule([.cmp(.numgenRandom(mod: 4), .eq, .integer(2)), .verdict(.goto("c2"))]),
      Rule([.cmp(.daddr(v), .eq, .prefix(narrow)), .verdict(.drop)], comment: "narrow prefix"),
      Rule([.cmp(.saddr(v), .neq, .prefix(wide)), .markOr(0x8000)]),
      Rule([.cmp(.daddr(v), .neq, .address(here)), .cmp(.l4proto, .eq, .proto(.udp)), .verdict(.accept)]),
      Rule([.cmp(.dport(.sctp), .neq, .port(3868)), .verdict(.drop)]),
      Rule([.lookup([.mark], set: "marks", negated: false), .verdict(.accept)]),
      Rule([.lookup([.thDport], set: "ports", negated: true), .verdict(.drop)]),
      Rule([.vmap([.l4proto], map: "protos")]),
      Rule([.lookup([.saddr(v), .l4proto], set: "ranges", negated: false), .verdict(.accept)]),
      Rule([.lookup([.daddr(v)], set: "nets", negated: true), .verdict(.drop)]),
      Rule([.updateSet([.saddr(v), .thDport], set: "pairs"), .cmp(.l4proto, .eq, .proto(.tcp)), .dnat(here, port: 8080)]),
      Rule([.cmp(.l4proto, .eq, .proto(.udp)), .dnat(here, port: 53)]),
      Rule([.lookup([.saddr(v), .dport(.tcp)], set: "sources", negated: false), .verdict(.accept)]),
      Rule([.lookup([.l4proto], set: "protocols", negated: true), .verdict(.drop)]),
      Rule([.lookup([.numgenRandom(mod: 4)], set: "picks", negated: false), .counter]),
      Rule([.updateSet([.saddr(v)], set: "clients"), .verdict(.accept)]),
      Rule([.dnatMap([.daddr(v), .l4proto, .thDport, .numgenRandom(mod: 2)], map: "choice", version: v)], comment: "pick"),
      Rule([.cmp(.l4proto, .eq, .proto(.udp)), .dnatMap([.l4proto, .thDport, .numgenRandom(mod: 8)], map: "choice-ranges", version: v)]),
      Rule([.cmp(.l4proto, .eq, .proto(.tcp)), .dnatMap([.daddr(v)], map: "redirects", version: v)]),
      Rule([.reject]),
    ]
    let chains = [
      Chain(
        name: "pre", base: BaseChain(type: .nat, hook: .prerouting, priority: -100), comment: "entry",
        rules: rules.filter { r in
          !r.exprs.contains(.reject) && !r.exprs.contains(where: { if case .markXor = $0 { return true } else { return false } })
        }),
      Chain(
        name: "post", base: BaseChain(type: .nat, hook: .postrouting, priority: 100),
        rules: [
          Rule([.masquerade(fullyRandom: false)]),
          Rule([.masquerade(fullyRandom: true)]),
        ]),
      Chain(
        name: "filter", base: BaseChain(type: .filter, hook: .forward, priority: 0),
        rules: rules.filter { r in
          !r.exprs.contains(where: {
            switch $0 {
            case .dnat, .dnatMap: return true
            default: return false
            }
          })
        }),
      Chain(name: "c2"),
    ]
    return Table(family: family, name: "vocab", comment: "every expression", sets: sets, chains: chains)
  }

  static let ruleset = Ruleset(tables: [table(.ip), table(.ip6)])
}

@Suite(.kernelTests) struct VocabularyTests {
  @Test func everyExpressionLikeNft() throws {
    let viaNetlink = try TestNamespace.make("vocab")
    let viaNft = try TestNamespace.make("vocab-ref")
    let ruleset = Vocabulary.ruleset
    try viaNft.load(ruleset.renderScript())
    let client = try NetlinkClient(namespace: viaNetlink.namespace)
    try client.apply(ruleset.replaceTransaction())
    let want = try viaNft.listRuleset()
    let got = try viaNetlink.listRuleset()
    #expect(got == want, "\(firstDifferences(want, got))")
    let wantRegs = try viaNft.registerListing()
    let gotRegs = try viaNetlink.registerListing()
    #expect(gotRegs == wantRegs, "\(firstDifferences(wantRegs, gotRegs))")
    // Set declarations: every attribute nft sent, user data included.
    let reference = try NetlinkClient(namespace: viaNft.namespace)
    let differences = try setDeclarationDifferences(ruleset, mine: client, reference: reference)
    #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
  }

  @Test func equivalentSpellingsReadBackAsDesired() throws {
    let ns = try TestNamespace.make("spelling")
    let t = TableRef(family: .ip, name: "spell")
    let set = NFTSet(name: "s", keyType: [.ipv4Addr, .inetService])
    // `meta l4proto tcp th dport 80` and `ip saddr . tcp dport @s` lower to the same kernel
    // expressions as `tcp dport 80` and `meta l4proto tcp ip saddr . th dport @s`.
    let chain = Chain(
      name: "c",
      rules: [
        Rule([.cmp(.l4proto, .eq, .proto(.tcp)), .cmp(.thDport, .eq, .port(80)), .verdict(.accept)]),
        Rule([.lookup([.saddr(.v4), .dport(.tcp)], set: "s", negated: false), .verdict(.drop)]),
      ])
    let desired = Ruleset(tables: [Table(family: .ip, name: "spell", sets: [set], chains: [chain])])
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(desired.replaceTransaction())
    let plain = try client.currentRuleset(tables: [t])
    #expect(plain.tables[0].chains[0].rules != chain.rules)
    #expect(try client.currentRuleset(tables: [t], spelling: desired) == desired)
  }

  @Test func everyExpressionReadsBack() throws {
    let ns = try TestNamespace.make("vocab-rb")
    let ruleset = Vocabulary.ruleset
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(ruleset.replaceTransaction())
    let back = try client.currentRuleset(tables: ruleset.tables.map(\.ref), spelling: ruleset)
    #expect(canonical(back) == canonical(ruleset))
    #expect(back.diff(to: ruleset).isEmpty)
  }
}

// Text rendering of the typed rule vocabulary, sets and transactions, in nft's own spelling.
import NFTables
import NetAddress
import Testing

@Suite struct RenderTests {
  static func rule(_ r: Rule) -> String {
    var b = TextBuffer()
    b.append(rule: r)
    return b.string
  }

  static let ip = IPAddress("10.0.0.1")!

  @Test(arguments: [
    (Rule([.cmp(.daddr(.v4), .eq, .address(ip)), .verdict(.accept)]), "ip daddr 10.0.0.1 accept"),
    (
      Rule([.cmp(.saddr(.v6), .neq, .prefix(IPPrefix("fd00::/64")!)), .markOr(0x4000)]),
      "ip6 saddr != fd00::/64 meta mark set meta mark | 0x00004000"
    ),
    (Rule([.maskedCmp(.mark, mask: 0x4000, .eq, 0), .verdict(.return_)]), "meta mark & 0x00004000 == 0x00000000 return"),
    (Rule([.markXor(0x4000)]), "meta mark set meta mark ^ 0x00004000"),
    (Rule([.vmap([.daddr(.v4), .l4proto, .thDport], map: "service-ips")]), "ip daddr . meta l4proto . th dport vmap @service-ips"),
    (
      Rule([.lookup([.saddr(.v4), .daddr(.v4)], set: "hairpin", negated: false), .masquerade(fullyRandom: true)]),
      "ip saddr . ip daddr @hairpin masquerade fully-random"
    ),
    (Rule([.lookup([.saddr(.v4)], set: "s", negated: true), .verdict(.drop)]), "ip saddr != @s drop"),
    (
      Rule([.cmp(.numgenRandom(mod: 3), .eq, .integer(0)), .cmp(.l4proto, .eq, .proto(.udp)), .dnat(ip, port: 53)]),
      "numgen random mod 3 0 meta l4proto udp dnat to 10.0.0.1:53"
    ),
    (Rule([.cmp(.l4proto, .eq, .proto(.tcp)), .dnat(IPAddress("fd00::2")!, port: 80)]), "meta l4proto tcp dnat to [fd00::2]:80"),
    (
      Rule([.lookup([.saddr(.v4)], set: "aff", negated: false), .updateSet([.saddr(.v4)], set: "aff"), .verdict(.goto("c"))]),
      "ip saddr @aff update @aff { ip saddr } goto c"
    ),
    (Rule([.cmp(.ctState, .eq, .ctState(.new)), .verdict(.jump("x"))]), "ct state new jump x"),
    (Rule([.cmp(.ctStatus, .eq, .ctStatus(.dnat)), .counter]), "ct status dnat counter"),
    (Rule([.cmp(.fibDaddrType, .eq, .fibType(.local)), .reject], comment: "a b"), "fib daddr type local reject comment \"a b\""),
    (Rule([.cmp(.dport(.sctp), .eq, .port(9)), .verdict(.drop)]), "sctp dport 9 drop"),
    (Rule([.cmp(.fibSaddrType, .eq, .fibType(.local)), .verdict(.goto("c"))]), "fib saddr type local goto c"),
  ])
  func rendersRule(rule: Rule, text: String) {
    #expect(Self.rule(rule) == text)
  }

  @Test func rendersTransaction() {
    let t = TableRef(family: .ip, name: "kproxy")
    let map = NFTSet(name: "m", keyType: [.ipv4Addr, .inetProto, .inetService], dataType: [.verdict], comment: "c")
    var tx = Transaction()
    tx.add(.addChain(t, Chain(name: "a")))
    tx.add(.addChain(t, Chain(name: "nat-output", base: BaseChain(type: .nat, hook: .output, priority: -100))))
    tx.add(.addSet(t, map))
    tx.add(.addSet(t, NFTSet(name: "aff", keyType: [.ipv4Addr], flags: [.dynamic, .timeout], timeoutSeconds: 10800, size: 1024)))
    tx.add(.flushChain(t, chain: "a"))
    tx.add(.addRule(t, chain: "a", Rule([.verdict(.accept)])))
    tx.add(
      .addElements(t, set: map, [Element([.address(Self.ip), .proto(.tcp), .port(80)], data: .verdict(.goto("a")), comment: "ns/x:http")]))
    tx.add(.deleteElements(t, set: map, [Element([.address(Self.ip), .proto(.tcp), .port(81)], data: .verdict(.drop))]))
    tx.add(.flushSet(t, set: "m", isMap: true))
    tx.add(.flushSet(t, set: "aff", isMap: false))
    tx.add(.deleteChain(t, chain: "b"))
    tx.add(.deleteSet(t, set: "m", isMap: true))
    #expect(tx.error == nil)
    #expect(
      tx.renderScript() == """
        add chain ip kproxy a
        add chain ip kproxy nat-output { type nat hook output priority -100; policy accept; }
        add map ip kproxy m { type ipv4_addr . inet_proto . inet_service : verdict; comment "c"; }
        add set ip kproxy aff { type ipv4_addr; size 1024; flags dynamic,timeout; timeout 10800s; }
        flush chain ip kproxy a
        add rule ip kproxy a accept
        add element ip kproxy m {
        \t10.0.0.1 . tcp . 80 comment "ns/x:http" : goto a
        }
        delete element ip kproxy m {
        \t10.0.0.1 . tcp . 81
        }
        flush map ip kproxy m
        flush set ip kproxy aff
        delete chain ip kproxy b
        delete map ip kproxy m

        """)
  }

  @Test(arguments: [
    ("a\"; flush ruleset", "chain"), ("", "chain"), ("1abc", "chain"), ("a b", "chain"), ("ok/name-1.x_y", nil),
  ])
  func validatesNames(name: String, failingKind: String?) {
    var tx = Transaction()
    tx.add(.addChain(TableRef(family: .ip, name: "kproxy"), Chain(name: name)))
    if let failingKind {
      #expect(tx.error == .invalidName(kind: failingKind, name: name))
    } else {
      #expect(tx.error == nil)
    }
  }

  @Test func rejectsUnsafeComments() {
    var tx = Transaction()
    tx.add(.addRule(TableRef(family: .ip, name: "k"), chain: "c", Rule([.verdict(.accept)], comment: "x\" drop")))
    #expect(tx.error == .invalidComment(object: "rule in c", comment: "x\" drop"))
  }
}

import NFTNetlink
// Set declarations and rules encode exactly as nft 1.0.6 sends them (bytes taken from
// `nft --debug=mnl` and `nft --debug=netlink`), without a kernel.
import NFTables
import NetAddress
import Testing

@Suite struct LayoutTests {
  @Test func verdictMapLikeNft() {
    let s = NFTSet(name: "service-ips", keyType: [.ipv4Addr, .inetProto, .inetService], dataType: [.verdict], comment: "ClusterIP")
    let l = SetLayout(s)
    #expect(l.keyTypeID == 0x730d)
    #expect(l.keyLength == 12)
    #expect(l.kernelFlags == 0x8)
    #expect(l.dataType == 0xffff_ff00)
    #expect(l.dataLength == 0)
    #expect(l.concatFieldLengths == nil)
    #expect(
      l.userData.bytes == [0, 4, 0, 0, 0, 0, 1, 4, 0, 0, 0, 0, 3, 8, 0, 4, 13, 0, 0, 0, 1, 0, 6, 4, 0, 0, 0, 0, 7, 10]
        + Array("ClusterIP".utf8) + [0])
  }

  @Test func concatenatedIntervalSetLikeNft() {
    let s = NFTSet(
      name: "firewall-allow", keyType: [.ipv4Addr, .inetProto, .inetService, .ipv4Addr], flags: .interval, comment: "sources allowed")
    let l = SetLayout(s)
    #expect(l.keyTypeID == 0x1c_c347)
    #expect(l.keyLength == 16)
    #expect(l.kernelFlags == 0x84)
    #expect(l.concatFieldLengths == [4, 1, 2, 4])
    #expect(l.userData.bytes == [0, 4, 0, 0, 0, 0, 3, 8, 0, 4, 13, 0, 0, 0, 1, 0, 7, 16] + Array("sources allowed".utf8) + [0])
  }

  @Test func dynamicTimeoutSetLikeNft() {
    let s = NFTSet(name: "aff", keyType: [.ipv4Addr], flags: [.dynamic, .timeout], timeoutSeconds: 600, size: 1_048_576)
    let l = SetLayout(s)
    #expect(l.keyTypeID == 7)
    #expect(l.keyLength == 4)
    #expect(l.kernelFlags == 0x30)
    #expect(l.userData.bytes == [0, 4, 2, 0, 0, 0])
  }

  @Test func intervalElementCarriesRangeEnd() throws {
    let s = NFTSet(name: "firewall-allow", keyType: [.ipv4Addr, .inetProto, .inetService, .ipv4Addr], flags: .interval)
    let e = Element([.address(IPAddress("198.51.100.7")!), .proto(.tcp), .port(443), .prefix(IPPrefix("192.168.1.0/24")!)])
    let l = try ElementLayout(e, of: s)
    #expect(l.key == [0xc6, 0x33, 0x64, 0x07, 6, 0, 0, 0, 0x01, 0xbb, 0, 0, 0xc0, 0xa8, 0x01, 0x00])
    #expect(l.keyEnd == [0xc6, 0x33, 0x64, 0x07, 6, 0, 0, 0, 0x01, 0xbb, 0, 0, 0xc0, 0xa8, 0x01, 0xff])
  }

  @Test func serviceRuleLikeNft() throws {
    // ip daddr 10.96.4.4 tcp dport 80 ip saddr != 10.244.0.0/16 meta mark set meta mark | 0x00004000
    let rule = Rule([
      .cmp(.daddr(.v4), .eq, .address(IPAddress("10.96.4.4")!)),
      .cmp(.dport(.tcp), .eq, .port(80)),
      .cmp(.saddr(.v4), .neq, .prefix(IPPrefix("10.244.0.0/16")!)),
      .markOr(0x4000),
    ])
    let regs = try RuleLowering(family: .ip, sets: [:]).lower(rule)
    #expect(
      regs == [
        .payload(base: .network, offset: 16, length: 4, dreg: 1),
        .cmp(sreg: 1, op: 0, data: [10, 96, 4, 4]),
        .metaLoad(key: 16, dreg: 1),
        .cmp(sreg: 1, op: 0, data: [6]),
        .payload(base: .transport, offset: 2, length: 2, dreg: 1),
        .cmp(sreg: 1, op: 0, data: [0, 80]),
        .payload(base: .network, offset: 12, length: 2, dreg: 1),
        .cmp(sreg: 1, op: 1, data: [10, 244]),
        .metaLoad(key: 3, dreg: 1),
        .bitwise(sreg: 1, dreg: 1, length: 4, mask: [0xff, 0xbf, 0xff, 0xff], xor: [0, 0x40, 0, 0]),
        .metaSet(key: 3, sreg: 1),
      ])
  }

  @Test func ipv6ConcatenationRegistersLikeNft() throws {
    // ip6 daddr . meta l4proto . th dport . ip6 saddr != @firewall-allow (interval set)
    let set = NFTSet(name: "firewall-allow", keyType: [.ipv6Addr, .inetProto, .inetService, .ipv6Addr], flags: .interval)
    let rule = Rule([.lookup([.daddr(.v6), .l4proto, .thDport, .saddr(.v6)], set: "firewall-allow", negated: true)])
    let regs = try RuleLowering(family: .ip6, sets: ["firewall-allow": set]).lower(rule)
    #expect(
      regs == [
        .payload(base: .network, offset: 24, length: 16, dreg: 1),
        .metaLoad(key: 16, dreg: 2),
        .byteorder(sreg: 2, dreg: 2, op: 1, length: 1, size: 2),
        .payload(base: .transport, offset: 2, length: 2, dreg: 13),
        .payload(base: .network, offset: 8, length: 16, dreg: 14),
        .lookup(sreg: 1, set: "firewall-allow", dreg: nil, flags: 1),
      ])
  }
}

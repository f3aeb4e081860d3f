// ctnetlink messages as bytes: the dump request and the delete, checked byte for byte against
// the uapi layout, and flow messages parsed back (IPv4, IPv6, zone, id, truncated input).
import NetAddress
import Testing

@testable import NFTNetlink

@Suite("Conntrack messages")
struct ConntrackMessageTests {
  static let flow = ConntrackFlow(
    protocolNumber: ConntrackFlow.udp,
    original: ConntrackTuple(
      source: IPAddress("10.244.1.10")!, destination: IPAddress("10.96.0.10")!, sourcePort: 40001, destinationPort: 53),
    reply: ConntrackTuple(
      source: IPAddress("10.244.1.11")!, destination: IPAddress("10.244.1.10")!, sourcePort: 5353, destinationPort: 40001),
    id: 0x0102_0304)

  /// Host-order 16 and 32-bit fields of nlmsghdr and nlattr (little-endian on every platform kproxy builds for).
  static func le16(_ v: UInt16) -> [UInt8] { [UInt8(v & 0xff), UInt8(v >> 8)] }
  static func le32(_ v: UInt32) -> [UInt8] { (0..<4).map { UInt8((v >> (8 * $0)) & 0xff) } }

  @Test("The delete names the original tuple, the id and nothing else, with NLM_F_ACK")
  func deleteBytes() {
    let bytes = ConntrackMessage.deleteRequest(Self.flow, seq: 7)
    let nested: UInt16 = 0x8000
    // CTA_TUPLE_IP { CTA_IP_V4_SRC, CTA_IP_V4_DST }
    let ip =
      Self.le16(20) + Self.le16(1 | nested) + Self.le16(8) + Self.le16(1) + [10, 244, 1, 10] + Self.le16(8) + Self.le16(2) + [
        10, 96, 0, 10,
      ]
    // CTA_TUPLE_PROTO { CTA_PROTO_NUM 17, CTA_PROTO_SRC_PORT 40001, CTA_PROTO_DST_PORT 53 } (ports big-endian)
    let proto =
      Self.le16(28) + Self.le16(2 | nested) + Self.le16(5) + Self.le16(1) + [17, 0, 0, 0] + Self.le16(6) + Self.le16(2) + [
        0x9c, 0x41, 0, 0,
      ]
      + Self.le16(6) + Self.le16(3) + [0, 53, 0, 0]
    let tuple = Self.le16(UInt16(4 + ip.count + proto.count)) + Self.le16(1 | nested) + ip + proto
    let id = Self.le16(8) + Self.le16(12) + [1, 2, 3, 4]
    let body = [2, 0, 0, 0] + tuple + id  // nfgenmsg: AF_INET, NFNETLINK_V0, res_id 0
    // nlmsg_type (NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_DELETE; flags NLM_F_REQUEST | NLM_F_ACK
    let header = Self.le32(UInt32(16 + body.count)) + Self.le16(0x0102) + Self.le16(0x0005) + Self.le32(7) + Self.le32(0)
    #expect(bytes == header + body)
  }

  @Test("The dump request asks for one family and filters on the protocol number")
  func dumpBytes() {
    let bytes = ConntrackMessage.dumpRequest(family: .v6, protocolNumber: 17, seq: 9)
    let nested: UInt16 = 0x8000
    let proto = Self.le16(12) + Self.le16(2 | nested) + Self.le16(5) + Self.le16(1) + [17, 0, 0, 0]
    let tuple = Self.le16(16) + Self.le16(1 | nested) + proto
    // CTA_FILTER { CTA_FILTER_ORIG_FLAGS = CTA_FILTER_F_CTA_PROTO_NUM (1 << 3) }
    let filter = Self.le16(12) + Self.le16(25 | nested) + Self.le16(8) + Self.le16(1) + Self.le32(8)
    let body = [10, 0, 0, 0] + tuple + filter  // AF_INET6
    // IPCTNL_MSG_CT_GET; NLM_F_REQUEST | NLM_F_DUMP (NLM_F_ROOT | NLM_F_MATCH)
    let header = Self.le32(UInt32(16 + body.count)) + Self.le16(0x0101) + Self.le16(0x0301) + Self.le32(9) + Self.le32(0)
    #expect(bytes == header + body)
    let unfiltered = ConntrackMessage.dumpRequest(family: .v4, protocolNumber: nil, seq: 9)
    #expect(unfiltered.count == 20 && unfiltered[16] == 2)
  }

  struct ParseCase: CustomTestStringConvertible, Sendable {
    var name: String
    var flow: ConntrackFlow
    var testDescription: String { name }
  }

  static let parseCases: [ParseCase] = [
    .init(name: "IPv4 with id", flow: flow),
    .init(
      name: "IPv6 in zone 3 without id",
      flow: ConntrackFlow(
        protocolNumber: ConntrackFlow.udp,
        original: ConntrackTuple(
          source: IPAddress("fd00:244:1::10")!, destination: IPAddress("fd00:96::10")!, sourcePort: 1, destinationPort: 65535),
        reply: ConntrackTuple(
          source: IPAddress("fd00:244:1::11")!, destination: IPAddress("fd00:244:1::10")!, sourcePort: 8080, destinationPort: 1),
        zone: 3)),
    .init(
      name: "TCP", flow: ConntrackFlow(protocolNumber: 6, original: flow.original, reply: flow.reply, id: 0xffff_ffff)),
  ]

  @Test(arguments: parseCases)
  func parseBack(_ c: ParseCase) throws {
    let bytes = ConntrackMessage.flowMessage(c.flow, seq: 1)
    let parsed = try bytes.withUnsafeBytes { try ConntrackMessage.parseFlow($0) }
    #expect(parsed == c.flow)
  }

  @Test("A flow without ports (ICMP) is skipped; an attribute that overruns its message is an error")
  func badInput() throws {
    // An ICMP-like tuple: protocol number only, no ports.
    var w = ConntrackMessageWriter(type: CTA.newMessage, flags: 0, seq: 1, family: .v4)
    for type in [CTA.tupleOrig, CTA.tupleReply] {
      w.nested(type) { t in
        t.nested(CTA.tupleIP) { ip in
          ip.attribute(CTA.ipV4Src, [10, 0, 0, 1])
          ip.attribute(CTA.ipV4Dst, [10, 0, 0, 2])
        }
        t.nested(CTA.tupleProto) { p in p.attribute(CTA.protoNum, [1]) }
      }
    }
    let icmp = w.finish()
    #expect(try icmp.withUnsafeBytes { try ConntrackMessage.parseFlow($0) } == nil)
    var truncated = ConntrackMessage.flowMessage(Self.flow, seq: 1)
    truncated.removeLast(4)  // CTA_ID's header stays, claiming 8 bytes
    #expect(throws: ConntrackError.self) { try truncated.withUnsafeBytes { try ConntrackMessage.parseFlow($0) } }
  }

  @Test("Errors name the operation, the flow and the errno")
  func errorText() {
    let e = ConntrackError.delete(flow: Self.flow.description, errno: 1, more: 2)
    #expect(
      e.description
        == "conntrack: delete udp src=10.244.1.10 dst=10.96.0.10 sport=40001 dport=53 src=10.244.1.11 dst=10.244.1.10 sport=5353 dport=40001: Operation not permitted (EPERM) (and 2 more deletes failed)"
    )
  }
}

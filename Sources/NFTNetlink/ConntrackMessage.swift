// ctnetlink messages as bytes: the table dump request (filtered by family and protocol), the
// delete of one flow by its original tuple, zone and id, and the parse of a dumped flow.
import CNftnl
import NetAddress

/// The uapi numbers of linux/netfilter/nfnetlink_conntrack.h, read once from the C enums.
enum CTA {
  static let tupleOrig = UInt16(CTA_TUPLE_ORIG.rawValue)
  static let tupleReply = UInt16(CTA_TUPLE_REPLY.rawValue)
  static let id = UInt16(CTA_ID.rawValue)
  static let zone = UInt16(CTA_ZONE.rawValue)
  static let filter = UInt16(CTA_FILTER.rawValue)
  static let tupleIP = UInt16(CTA_TUPLE_IP.rawValue)
  static let tupleProto = UInt16(CTA_TUPLE_PROTO.rawValue)
  static let ipV4Src = UInt16(CTA_IP_V4_SRC.rawValue)
  static let ipV4Dst = UInt16(CTA_IP_V4_DST.rawValue)
  static let ipV6Src = UInt16(CTA_IP_V6_SRC.rawValue)
  static let ipV6Dst = UInt16(CTA_IP_V6_DST.rawValue)
  static let protoNum = UInt16(CTA_PROTO_NUM.rawValue)
  static let protoSrcPort = UInt16(CTA_PROTO_SRC_PORT.rawValue)
  static let protoDstPort = UInt16(CTA_PROTO_DST_PORT.rawValue)
  static let filterOrigFlags = UInt16(CTA_FILTER_ORIG_FLAGS.rawValue)
  /// CTA_FILTER_F_CTA_PROTO_NUM: match the original tuple's protocol number. The kernel keeps
  /// the flag bits in net/netfilter/nf_internals.h (not exported); they are ABI since 5.8.
  static let filterProtoNum: UInt32 = 1 << 3

  /// `(NFNL_SUBSYS_CTNETLINK << 8) | IPCTNL_MSG_CT_*`.
  static let getMessage = UInt16(NFNL_SUBSYS_CTNETLINK) << 8 | UInt16(IPCTNL_MSG_CT_GET.rawValue)
  static let deleteMessage = UInt16(NFNL_SUBSYS_CTNETLINK) << 8 | UInt16(IPCTNL_MSG_CT_DELETE.rawValue)
  static let newMessage = UInt16(NFNL_SUBSYS_CTNETLINK) << 8 | UInt16(IPCTNL_MSG_CT_NEW.rawValue)
}

/// Builds one netlink message: `nlmsghdr`, `nfgenmsg`, then attributes (nested ones by closure).
struct ConntrackMessageWriter {
  private(set) var bytes: [UInt8] = []

  init(type: UInt16, flags: UInt16, seq: UInt32, family: IPFamily?) {
    append(UInt32(0))  // nlmsg_len, patched by `finish`
    append(type)
    append(flags)
    append(seq)
    append(UInt32(0))  // nlmsg_pid: the kernel fills it
    // nfgenmsg: family (AF_UNSPEC dumps every family), version NFNETLINK_V0, res_id 0.
    bytes.append(family.map(ConntrackMessageWriter.addressFamily) ?? 0)
    bytes.append(UInt8(NFNETLINK_V0))
    bytes += [0, 0]
  }

  static func addressFamily(_ family: IPFamily) -> UInt8 { family == .v4 ? UInt8(AF_INET) : UInt8(AF_INET6) }

  private mutating func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value) { bytes += $0 } }

  /// An attribute with `payload` bytes, padded to 4 bytes (NLA_ALIGN).
  mutating func attribute(_ type: UInt16, _ payload: [UInt8]) {
    append(UInt16(4 + payload.count))
    append(type)
    bytes += payload
    while bytes.count % 4 != 0 { bytes.append(0) }
  }

  /// A nested attribute (NLA_F_NESTED set, as libnetfilter_conntrack sends them).
  mutating func nested(_ type: UInt16, _ body: (inout ConntrackMessageWriter) -> Void) {
    let start = bytes.count
    append(UInt16(0))
    append(type | UInt16(NLA_F_NESTED))
    body(&self)
    let length = UInt16(bytes.count - start)
    withUnsafeBytes(of: length) { for (i, b) in $0.enumerated() { bytes[start + i] = b } }
  }

  /// The message with its length filled in.
  func finish() -> [UInt8] {
    var out = bytes
    withUnsafeBytes(of: UInt32(out.count)) { for (i, b) in $0.enumerated() { out[i] = b } }
    return out
  }
}

enum ConntrackMessage {
  /// IPCTNL_MSG_CT_GET with NLM_F_DUMP for one family; with `protocolNumber`, a CTA_FILTER on
  /// the original tuple's protocol (kernels before 5.8 ignore it: the caller filters again).
  static func dumpRequest(family: IPFamily, protocolNumber: UInt8?, seq: UInt32) -> [UInt8] {
    var w = ConntrackMessageWriter(type: CTA.getMessage, flags: UInt16(NLM_F_REQUEST | NLM_F_DUMP), seq: seq, family: family)
    if let protocolNumber {
      w.nested(CTA.tupleOrig) { t in t.nested(CTA.tupleProto) { p in p.attribute(CTA.protoNum, [protocolNumber]) } }
      w.nested(CTA.filter) { f in f.attribute(CTA.filterOrigFlags, bytes(of: CTA.filterProtoNum)) }
    }
    return w.finish()
  }

  /// IPCTNL_MSG_CT_DELETE of exactly `flow`: its original tuple, zone and id, with an ACK.
  static func deleteRequest(_ flow: ConntrackFlow, seq: UInt32) -> [UInt8] {
    var w = ConntrackMessageWriter(type: CTA.deleteMessage, flags: UInt16(NLM_F_REQUEST | NLM_F_ACK), seq: seq, family: flow.family)
    writeTuple(&w, CTA.tupleOrig, flow.original, protocolNumber: flow.protocolNumber)
    if flow.zone != 0 { w.attribute(CTA.zone, bytes(of: flow.zone.bigEndian)) }
    if let id = flow.id { w.attribute(CTA.id, bytes(of: id.bigEndian)) }
    return w.finish()
  }

  /// A flow as the kernel reports it in a dump (IPCTNL_MSG_CT_NEW): for tests and tools.
  static func flowMessage(_ flow: ConntrackFlow, seq: UInt32) -> [UInt8] {
    var w = ConntrackMessageWriter(type: CTA.newMessage, flags: UInt16(NLM_F_MULTI), seq: seq, family: flow.family)
    writeTuple(&w, CTA.tupleOrig, flow.original, protocolNumber: flow.protocolNumber)
    writeTuple(&w, CTA.tupleReply, flow.reply, protocolNumber: flow.protocolNumber)
    if let id = flow.id { w.attribute(CTA.id, bytes(of: id.bigEndian)) }
    if flow.zone != 0 { w.attribute(CTA.zone, bytes(of: flow.zone.bigEndian)) }
    return w.finish()
  }

  private static func writeTuple(_ w: inout ConntrackMessageWriter, _ type: UInt16, _ tuple: ConntrackTuple, protocolNumber: UInt8) {
    let v4 = tuple.source.family == .v4
    w.nested(type) { t in
      t.nested(CTA.tupleIP) { ip in
        ip.attribute(v4 ? CTA.ipV4Src : CTA.ipV6Src, tuple.source.bytes)
        ip.attribute(v4 ? CTA.ipV4Dst : CTA.ipV6Dst, tuple.destination.bytes)
      }
      t.nested(CTA.tupleProto) { p in
        p.attribute(CTA.protoNum, [protocolNumber])
        p.attribute(CTA.protoSrcPort, bytes(of: tuple.sourcePort.bigEndian))
        p.attribute(CTA.protoDstPort, bytes(of: tuple.destinationPort.bigEndian))
      }
    }
  }

  private static func bytes<T: FixedWidthInteger>(of value: T) -> [UInt8] { withUnsafeBytes(of: value) { Array($0) } }

  /// The flow in one IPCTNL_MSG_CT_NEW message (`message` starts at the nlmsghdr). Nil for a
  /// flow without ports (ICMP, GRE, …) or of another family: such flows are never stale here.
  /// Throws on a message whose attributes overrun it.
  static func parseFlow(_ message: UnsafeRawBufferPointer) throws -> ConntrackFlow? {
    let header = MemoryLayout<nlmsghdr>.size + 4  // nlmsghdr + nfgenmsg
    guard message.count >= header else { throw ConntrackError.malformedReply("message of \(message.count) bytes") }
    let top = try attributes(message[header...])
    guard let origBytes = top[CTA.tupleOrig], let replyBytes = top[CTA.tupleReply],
      let (proto, original) = try tuple(origBytes), let (_, reply) = try tuple(replyBytes)
    else { return nil }
    var flow = ConntrackFlow(protocolNumber: proto, original: original, reply: reply)
    if let z = top[CTA.zone], z.count == 2 { flow.zone = UInt16(z[z.startIndex]) << 8 | UInt16(z[z.startIndex + 1]) }
    if let i = top[CTA.id], i.count == 4 { flow.id = i.reduce(UInt32(0)) { $0 << 8 | UInt32($1) } }
    return flow
  }

  private static func tuple(_ bytes: Slice<UnsafeRawBufferPointer>) throws -> (UInt8, ConntrackTuple)? {
    let t = try attributes(bytes)
    guard let ipBytes = t[CTA.tupleIP], let protoBytes = t[CTA.tupleProto] else { return nil }
    let ip = try attributes(ipBytes)
    let p = try attributes(protoBytes)
    guard let num = p[CTA.protoNum]?.first, let sport = p[CTA.protoSrcPort], let dport = p[CTA.protoDstPort],
      sport.count == 2, dport.count == 2
    else { return nil }
    let src: IPAddress
    let dst: IPAddress
    if let s = ip[CTA.ipV4Src], let d = ip[CTA.ipV4Dst], s.count == 4, d.count == 4 {
      src = .v4(IPv4Address(s.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
      dst = .v4(IPv4Address(d.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }))
    } else if let s = ip[CTA.ipV6Src], let d = ip[CTA.ipV6Dst], s.count == 16, d.count == 16 {
      src = .v6(ipv6(s))
      dst = .v6(ipv6(d))
    } else {
      return nil
    }
    func port(_ b: Slice<UnsafeRawBufferPointer>) -> UInt16 { UInt16(b[b.startIndex]) << 8 | UInt16(b[b.startIndex + 1]) }
    return (num, ConntrackTuple(source: src, destination: dst, sourcePort: port(sport), destinationPort: port(dport)))
  }

  private static func ipv6(_ b: Slice<UnsafeRawBufferPointer>) -> IPv6Address {
    let bytes = Array(b)
    return IPv6Address(
      high: bytes[0..<8].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }, low: bytes[8..<16].reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
  }

  /// The attributes in `bytes` by type (flags masked off); the first of a repeated type wins.
  static func attributes(_ bytes: Slice<UnsafeRawBufferPointer>) throws -> [UInt16: Slice<UnsafeRawBufferPointer>] {
    var out: [UInt16: Slice<UnsafeRawBufferPointer>] = [:]
    var i = bytes.startIndex
    while bytes.endIndex - i >= 4 {
      let length = Int(bytes.base.loadUnaligned(fromByteOffset: i, as: UInt16.self))
      let type = bytes.base.loadUnaligned(fromByteOffset: i + 2, as: UInt16.self) & ~UInt16(NLA_F_NESTED | NLA_F_NET_BYTEORDER)
      guard length >= 4, i + length <= bytes.endIndex else {
        throw ConntrackError.malformedReply("attribute \(type) of \(length) bytes overruns its message")
      }
      if out[type] == nil { out[type] = bytes.base[(i + 4)..<(i + length)] }
      i += (length + 3) & ~3
    }
    return out
  }
}

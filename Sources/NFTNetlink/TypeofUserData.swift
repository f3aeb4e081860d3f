// The expressions nft 1.0.6 records in set user data (NFTNL_UDATA_SET_KEY_TYPEOF, _DATA_TYPEOF):
// each field's expression type and the attributes its `build_udata` writes, and the way back.
import NFTables

/// The contents of a KEY_TYPEOF or DATA_TYPEOF nest: NFTNL_UDATA_SET_TYPEOF_EXPR (0) holds nft's
/// expression type, NFTNL_UDATA_SET_TYPEOF_DATA (1) a nest with that expression's attributes.
enum TypeofUserData {
  /// What a typeof nest describes.
  enum Decoded: Equatable {
    /// A typeof declaration: one field or a concatenation of them.
    case fields([Field])
    /// A concatenation declared with `type A . B` (nft records no sub-expressions).
    case typeConcatenation
    /// `: verdict` in a typeof map.
    case verdict
  }

  // nft's `enum expr_types`.
  static let exprVerdict: UInt32 = 1
  static let exprPayload: UInt32 = 7
  static let exprMeta: UInt32 = 9
  static let exprCt: UInt32 = 12
  static let exprConcat: UInt32 = 13
  static let exprNumgen: UInt32 = 23
  static let exprFib: UInt32 = 26

  // nft's `enum proto_desc_id`.
  static let protoUDP: UInt32 = 6
  static let protoTCP: UInt32 = 8
  static let protoSCTP: UInt32 = 10
  static let protoTH: UInt32 = 11
  static let protoIP: UInt32 = 12
  static let protoIP6: UInt32 = 13

  // Header field indices: IPHDR_SADDR, IPHDR_DADDR, IP6HDR_SADDR, IP6HDR_DADDR; every
  // transport header (th, tcp, udp, sctp) has its destination port at index 2.
  static let ipSaddr: UInt32 = 11
  static let ipDaddr: UInt32 = 12
  static let ip6Saddr: UInt32 = 8
  static let ip6Daddr: UInt32 = 9
  static let dportField: UInt32 = 2

  /// nft's `ct` without a direction (NFTNL_UDATA_CT_DIR is -1).
  static let noDirection = UInt32.max

  /// The nest for a `typeof` key or data: the field itself, or a concatenation whose
  /// NFTNL_UDATA_SET_KEY_CONCAT_NEST + i entries each hold a sub type (0) and sub data (1).
  static func encode(_ fields: [Field]) -> UserData {
    if fields.count == 1 { return nest(fields[0]) }
    var subs = UserData()
    for (i, f) in fields.enumerated() { subs.putNest(UInt8(i), nest(f)) }
    return wrap(exprConcat, subs)
  }

  /// The nest of a `type A . B` concatenation: a concat expression without sub-expressions.
  static var typeConcatenation: UserData { wrap(exprConcat, UserData()) }

  /// The data nest of a typeof verdict map: a verdict expression without attributes.
  static var verdict: UserData { wrap(exprVerdict, UserData()) }

  private static func wrap(_ type: UInt32, _ data: UserData) -> UserData {
    var u = UserData()
    u.putU32(0, type)
    u.putNest(1, data)
    return u
  }

  private static func nest(_ f: Field) -> UserData {
    let (type, attrs) = expression(f)
    var data = UserData()
    for (i, v) in attrs.enumerated() { data.putU32(UInt8(i), v) }
    return wrap(type, data)
  }

  /// nft's expression type for `f` and the u32 attributes its `build_udata` puts, in order:
  /// payload (protocol, field index), meta (key), ct (key, direction), numgen (type, modulus,
  /// offset), fib (result, flags).
  static func expression(_ f: Field) -> (UInt32, [UInt32]) {
    switch f {
    case .saddr(let v): (exprPayload, v == .v4 ? [protoIP, ipSaddr] : [protoIP6, ip6Saddr])
    case .daddr(let v): (exprPayload, v == .v4 ? [protoIP, ipDaddr] : [protoIP6, ip6Daddr])
    case .thDport: (exprPayload, [protoTH, dportField])
    case .dport(let p): (exprPayload, [protocolDesc(p), dportField])
    case .l4proto: (exprMeta, [Kernel.metaL4proto])
    case .mark: (exprMeta, [Kernel.metaMark])
    case .numgenRandom(let mod): (exprNumgen, [Kernel.numgenRandom, mod, 0])
    case .ctState: (exprCt, [Kernel.ctState, noDirection])
    case .ctStatus: (exprCt, [Kernel.ctStatus, noDirection])
    case .fibSaddrType: (exprFib, [Kernel.fibResultAddrType, Kernel.fibFlagSaddr])
    case .fibDaddrType: (exprFib, [Kernel.fibResultAddrType, Kernel.fibFlagDaddr])
    }
  }

  static func protocolDesc(_ p: IPProto) -> UInt32 {
    switch p {
    case .tcp: protoTCP
    case .udp: protoUDP
    case .sctp: protoSCTP
    }
  }

  /// Every field `expression` encodes, for decoding by lookup (numgen is decoded apart).
  private static let knownFields: [Field] = [
    .saddr(.v4), .daddr(.v4), .saddr(.v6), .daddr(.v6), .thDport, .dport(.tcp), .dport(.udp), .dport(.sctp), .l4proto, .mark,
    .ctState, .ctStatus, .fibSaddrType, .fibDaddrType,
  ]

  /// Reads a typeof nest back; nil for anything `encode` would not write.
  static func decode(_ bytes: ArraySlice<UInt8>) -> Decoded? {
    guard let (type, data) = typeAndData(bytes) else { return nil }
    switch type {
    case exprVerdict:
      return data.isEmpty ? .verdict : nil
    case exprConcat:
      if data.isEmpty { return .typeConcatenation }
      var fields: [Field] = []
      for (i, entry) in UserData(bytes: Array(data)).entries.enumerated() {
        guard entry.type == UInt8(i), let f = field(entry.value) else { return nil }
        fields.append(f)
      }
      return fields.count > 1 && encode(fields).bytes.elementsEqual(bytes) ? .fields(fields) : nil
    default:
      return field(bytes).map { .fields([$0]) }
    }
  }

  /// One field's nest (expression type and data), if it is exactly what `encode` writes for it.
  private static func field(_ bytes: ArraySlice<UInt8>) -> Field? {
    guard let (type, data) = typeAndData(bytes) else { return nil }
    var values: [UInt32] = []
    for (i, a) in UserData(bytes: Array(data)).entries.enumerated() {
      guard a.type == UInt8(i), a.value.count == 4, let v = ByteLayout.readHostEndian32(a.value) else { return nil }
      values.append(v)
    }
    let candidate: Field?
    if type == exprNumgen, values.count == 3 {
      candidate = .numgenRandom(mod: values[1])
    } else {
      candidate = knownFields.first { expression($0) == (type, values) }
    }
    guard let f = candidate, nest(f).bytes.elementsEqual(bytes) else { return nil }
    return f
  }

  /// The expression type (entry 0) and data nest (entry 1) of a nest, nothing else.
  private static func typeAndData(_ bytes: ArraySlice<UInt8>) -> (UInt32, ArraySlice<UInt8>)? {
    let entries = UserData(bytes: Array(bytes)).entries
    guard entries.count == 2, entries[0].type == 0, entries[0].value.count == 4, entries[1].type == 1,
      let type = ByteLayout.readHostEndian32(entries[0].value)
    else { return nil }
    // `entries` stops at a truncated TLV; the two must cover the whole nest.
    guard 4 + entries[0].value.count + entries[1].value.count == bytes.count else { return nil }
    return (type, entries[1].value)
  }
}

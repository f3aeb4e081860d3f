// The NFTA_EXPR_DATA attributes of one dumped expression, decoded the way libnftnl's parsers
// and `NftnlExpression.read` do (big-endian numbers, data and verdict nests).
import CNftnl

/// `init` fails where libnftnl's parser would refuse the expression (malformed attributes,
/// an unknown verdict code, a jump without a chain), so the caller falls back to libnftnl.
struct ExpressionFields {
  private let data: UnsafeRawBufferPointer
  /// The verdict of an NFTA_IMMEDIATE_DATA nest, when it holds one.
  private var verdict: (code: Int32, chain: String?)?

  init?(_ data: UnsafeRawBufferPointer, kind: NftnlExpression.Kind) {
    self.data = data
    var attrs = NetlinkAttributes(data)
    while attrs.next() != nil {}
    guard !attrs.malformed else { return nil }
    if kind == .immediate, let imm = attr(NFTA_IMMEDIATE_DATA.rawValue) {
      guard let v = Self.dataVerdict(imm) else { return nil }
      verdict = v
    }
  }

  /// nil: not a verdict nest; `.some(nil)`: a verdict libnftnl refuses.
  private static func dataVerdict(_ nest: UnsafeRawBufferPointer) -> (code: Int32, chain: String?)?? {
    guard let v = find(nest, NFTA_DATA_VERDICT.rawValue) else { return .some(nil) }
    guard let c = find(v, NFTA_VERDICT_CODE.rawValue).flatMap(RuleMessage.u32) else { return nil }
    let code = Int32(bitPattern: c)
    switch code {
    case NF_ACCEPT, NF_DROP, NF_QUEUE, NFT_CONTINUE.rawValue, NFT_BREAK.rawValue, NFT_RETURN.rawValue:
      return .some((code, nil))
    case NFT_JUMP.rawValue, NFT_GOTO.rawValue:
      guard let chain = find(v, NFTA_VERDICT_CHAIN.rawValue) else { return nil }
      return .some((code, RuleMessage.string(chain)))
    default:
      return nil
    }
  }

  private static func find(_ buf: UnsafeRawBufferPointer, _ type: UInt32) -> UnsafeRawBufferPointer? {
    for (t, p) in NetlinkAttributes(buf) where UInt32(t) == type { return p }
    return nil
  }

  private func attr(_ type: UInt32) -> UnsafeRawBufferPointer? { Self.find(data, type) }
  private func has(_ type: UInt32) -> Bool { attr(type) != nil }
  private func u32(_ type: UInt32) -> UInt32 { attr(type).flatMap(RuleMessage.u32) ?? 0 }
  private func str(_ type: UInt32) -> String? { attr(type).map(RuleMessage.string) }
  /// The NFTA_DATA_VALUE of a data nest; empty when absent.
  private func bytes(_ type: UInt32) -> [UInt8] {
    attr(type).flatMap { Self.find($0, NFTA_DATA_VALUE.rawValue) }.map { Array($0) } ?? []
  }

  /// `NftnlExpression.read` of the same expression.
  func expression(_ kind: NftnlExpression.Kind) -> RegisterExpr? {
    switch kind {
    case .payload:
      guard !has(NFTA_PAYLOAD_SREG.rawValue), let base = PayloadBase(rawValue: u32(NFTA_PAYLOAD_BASE.rawValue)) else { return nil }
      return .payload(
        base: base, offset: u32(NFTA_PAYLOAD_OFFSET.rawValue), length: u32(NFTA_PAYLOAD_LEN.rawValue), dreg: u32(NFTA_PAYLOAD_DREG.rawValue)
      )
    case .meta:
      if has(NFTA_META_SREG.rawValue) { return .metaSet(key: u32(NFTA_META_KEY.rawValue), sreg: u32(NFTA_META_SREG.rawValue)) }
      return .metaLoad(key: u32(NFTA_META_KEY.rawValue), dreg: u32(NFTA_META_DREG.rawValue))
    case .ct:
      guard !has(NFTA_CT_SREG.rawValue), !has(NFTA_CT_DIRECTION.rawValue) else { return nil }
      return .ctLoad(key: u32(NFTA_CT_KEY.rawValue), dreg: u32(NFTA_CT_DREG.rawValue))
    case .numgen:
      guard u32(NFTA_NG_TYPE.rawValue) == UInt32(NFT_NG_RANDOM.rawValue), u32(NFTA_NG_OFFSET.rawValue) == 0 else { return nil }
      return .numgenRandom(modulus: u32(NFTA_NG_MODULUS.rawValue), dreg: u32(NFTA_NG_DREG.rawValue))
    case .fib:
      return .fib(flags: u32(NFTA_FIB_FLAGS.rawValue), result: u32(NFTA_FIB_RESULT.rawValue), dreg: u32(NFTA_FIB_DREG.rawValue))
    case .cmp:
      return .cmp(sreg: u32(NFTA_CMP_SREG.rawValue), op: u32(NFTA_CMP_OP.rawValue), data: bytes(NFTA_CMP_DATA.rawValue))
    case .bitwise:
      guard !has(NFTA_BITWISE_OP.rawValue) || u32(NFTA_BITWISE_OP.rawValue) == UInt32(NFT_BITWISE_MASK_XOR.rawValue) else { return nil }
      return .bitwise(
        sreg: u32(NFTA_BITWISE_SREG.rawValue), dreg: u32(NFTA_BITWISE_DREG.rawValue), length: u32(NFTA_BITWISE_LEN.rawValue),
        mask: bytes(NFTA_BITWISE_MASK.rawValue), xor: bytes(NFTA_BITWISE_XOR.rawValue))
    case .byteorder:
      return .byteorder(
        sreg: u32(NFTA_BYTEORDER_SREG.rawValue), dreg: u32(NFTA_BYTEORDER_DREG.rawValue), op: u32(NFTA_BYTEORDER_OP.rawValue),
        length: u32(NFTA_BYTEORDER_LEN.rawValue), size: u32(NFTA_BYTEORDER_SIZE.rawValue))
    case .lookup:
      guard let set = str(NFTA_LOOKUP_SET.rawValue) else { return nil }
      return .lookup(
        sreg: u32(NFTA_LOOKUP_SREG.rawValue), set: set, dreg: has(NFTA_LOOKUP_DREG.rawValue) ? u32(NFTA_LOOKUP_DREG.rawValue) : nil,
        flags: has(NFTA_LOOKUP_FLAGS.rawValue) ? u32(NFTA_LOOKUP_FLAGS.rawValue) : 0)
    case .dynset:
      guard u32(NFTA_DYNSET_OP.rawValue) == UInt32(NFT_DYNSET_OP_UPDATE.rawValue), let set = str(NFTA_DYNSET_SET_NAME.rawValue) else {
        return nil
      }
      return .dynsetUpdate(sregKey: u32(NFTA_DYNSET_SREG_KEY.rawValue), set: set)
    case .objref:
      guard has(NFTA_OBJREF_SET_SREG.rawValue), let set = str(NFTA_OBJREF_SET_NAME.rawValue) else { return nil }
      return .objrefMap(sreg: u32(NFTA_OBJREF_SET_SREG.rawValue), set: set, setID: nil)
    case .immediate:
      if let verdict { return .immediateVerdict(code: verdict.code, chain: verdict.chain) }
      return .immediateData(dreg: u32(NFTA_IMMEDIATE_DREG.rawValue), data: bytes(NFTA_IMMEDIATE_DATA.rawValue))
    case .nat:
      return .nat(
        type: u32(NFTA_NAT_TYPE.rawValue), family: u32(NFTA_NAT_FAMILY.rawValue), addrReg: u32(NFTA_NAT_REG_ADDR_MIN.rawValue),
        protoReg: u32(NFTA_NAT_REG_PROTO_MIN.rawValue), flags: has(NFTA_NAT_FLAGS.rawValue) ? u32(NFTA_NAT_FLAGS.rawValue) : nil)
    case .masq:
      return .masq(flags: has(NFTA_MASQ_FLAGS.rawValue) ? u32(NFTA_MASQ_FLAGS.rawValue) : nil)
    case .reject:
      let code = attr(NFTA_REJECT_ICMP_CODE.rawValue).flatMap { $0.first } ?? 0
      return .reject(type: u32(NFTA_REJECT_TYPE.rawValue), code: code)
    case .counter:
      return .counter
    }
  }
}

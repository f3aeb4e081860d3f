// One libnftnl expression (`struct nftnl_expr`): built from a `RegisterExpr`, owned until it
// is handed to a rule, and read back from a dumped rule.
import CNftnl
import Glibc

/// The corresponding libnftnl calls are `nftnl_expr_alloc` / `nftnl_expr_free`.
final class NftnlExpression {
  /// nil once the expression has been moved into a rule (the rule frees it then).
  private var pointer: OpaquePointer?

  init(_ e: RegisterExpr) throws {
    pointer = try Self.make(e)
  }

  /// A new libnftnl expression for `e`, owned by the caller.
  static func make(_ e: RegisterExpr) throws -> OpaquePointer {
    let name = e.libnftnlName
    guard let p = nftnl_expr_alloc(UnsafeRawPointer(name.utf8Start).assumingMemoryBound(to: CChar.self)) else {
      throw NetlinkError.outOfMemory(what: "expression \(name)")
    }
    fill(p, e)
    return p
  }

  /// Builds `e` straight into `rule`, which owns it then.
  static func add(_ e: RegisterExpr, to rule: OpaquePointer) throws {
    nftnl_rule_add_expr(rule, try make(e))
  }

  deinit { if let pointer { nftnl_expr_free(pointer) } }

  /// Gives up ownership to a rule. The corresponding libnftnl call is `nftnl_rule_add_expr`.
  func move(into rule: OpaquePointer) {
    guard let p = pointer else { return }
    nftnl_rule_add_expr(rule, p)
    pointer = nil
  }

  private static func a(_ v: Int) -> UInt16 { UInt16(v) }

  private static func setBytes(_ p: OpaquePointer, _ attr: Int, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { buf in _ = nftnl_expr_set(p, UInt16(attr), buf.baseAddress, UInt32(buf.count)) }
  }

  /// Sets the attributes of `e` on `p` (an expression of the same kind).
  static func fill(_ p: OpaquePointer, _ e: RegisterExpr) {
    switch e {
    case .payload(let base, let offset, let length, let dreg):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_PAYLOAD_DREG), dreg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_PAYLOAD_BASE), base.rawValue)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_PAYLOAD_OFFSET), offset)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_PAYLOAD_LEN), length)
    case .metaLoad(let key, let dreg):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_META_KEY), key)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_META_DREG), dreg)
    case .metaSet(let key, let sreg):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_META_KEY), key)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_META_SREG), sreg)
    case .ctLoad(let key, let dreg):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_CT_KEY), key)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_CT_DREG), dreg)
    case .numgenRandom(let modulus, let dreg):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_NG_DREG), dreg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_NG_MODULUS), modulus)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_NG_TYPE), UInt32(NFT_NG_RANDOM.rawValue))
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_NG_OFFSET), 0)
    case .fib(let flags, let result, let dreg):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_FIB_DREG), dreg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_FIB_RESULT), result)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_FIB_FLAGS), flags)
    case .cmp(let sreg, let op, let data):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_CMP_SREG), sreg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_CMP_OP), op)
      setBytes(p, NFTNL_EXPR_CMP_DATA, data)
    case .bitwise(let sreg, let dreg, let length, let mask, let xor):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_BITWISE_SREG), sreg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_BITWISE_DREG), dreg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_BITWISE_LEN), length)
      setBytes(p, NFTNL_EXPR_BITWISE_MASK, mask)
      setBytes(p, NFTNL_EXPR_BITWISE_XOR, xor)
    case .byteorder(let sreg, let dreg, let op, let length, let size):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_BYTEORDER_SREG), sreg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_BYTEORDER_DREG), dreg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_BYTEORDER_OP), op)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_BYTEORDER_LEN), length)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_BYTEORDER_SIZE), size)
    case .lookup(let sreg, let set, let dreg, let flags):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_LOOKUP_SREG), sreg)
      if let dreg { nftnl_expr_set_u32(p, a(NFTNL_EXPR_LOOKUP_DREG), dreg) }
      set.withCString { _ = nftnl_expr_set_str(p, a(NFTNL_EXPR_LOOKUP_SET), $0) }
      if flags != 0 { nftnl_expr_set_u32(p, a(NFTNL_EXPR_LOOKUP_FLAGS), flags) }
    case .objrefMap(let sreg, let set, let setID):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_OBJREF_SET_SREG), sreg)
      set.withCString { _ = nftnl_expr_set_str(p, a(NFTNL_EXPR_OBJREF_SET_NAME), $0) }
      if let setID { nftnl_expr_set_u32(p, a(NFTNL_EXPR_OBJREF_SET_ID), setID) }
    case .dynsetUpdate(let sregKey, let set):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_DYNSET_SREG_KEY), sregKey)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_DYNSET_OP), UInt32(NFT_DYNSET_OP_UPDATE.rawValue))
      set.withCString { _ = nftnl_expr_set_str(p, a(NFTNL_EXPR_DYNSET_SET_NAME), $0) }
    case .immediateData(let dreg, let data):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_IMM_DREG), dreg)
      setBytes(p, NFTNL_EXPR_IMM_DATA, data)
    case .immediateVerdict(let code, let chain):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_IMM_DREG), Kernel.regVerdict)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_IMM_VERDICT), UInt32(bitPattern: code))
      if let chain { chain.withCString { _ = nftnl_expr_set_str(p, a(NFTNL_EXPR_IMM_CHAIN), $0) } }
    case .nat(let type, let family, let addrReg, let protoReg, let flags):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_NAT_TYPE), type)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_NAT_FAMILY), family)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_NAT_REG_ADDR_MIN), addrReg)
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_NAT_REG_PROTO_MIN), protoReg)
      if let flags { nftnl_expr_set_u32(p, a(NFTNL_EXPR_NAT_FLAGS), flags) }
    case .masq(let flags):
      if let flags { nftnl_expr_set_u32(p, a(NFTNL_EXPR_MASQ_FLAGS), flags) }
    case .reject(let type, let code):
      nftnl_expr_set_u32(p, a(NFTNL_EXPR_REJECT_TYPE), type)
      nftnl_expr_set_u8(p, a(NFTNL_EXPR_REJECT_CODE), code)
    case .counter:
      break
    }
  }

  /// Reads a dumped expression; nil for an expression kind kproxy never generates.
  static func read(_ p: OpaquePointer) -> RegisterExpr? {
    guard let cname = nftnl_expr_get_str(p, a(NFTNL_EXPR_NAME)), let name = kind(cname) else { return nil }
    func u32(_ attr: Int) -> UInt32 { nftnl_expr_get_u32(p, a(attr)) }
    func has(_ attr: Int) -> Bool { nftnl_expr_is_set(p, a(attr)) }
    func bytes(_ attr: Int) -> [UInt8] {
      var len: UInt32 = 0
      guard let d = nftnl_expr_get(p, a(attr), &len) else { return [] }
      return Array(UnsafeRawBufferPointer(start: d, count: Int(len)))
    }
    func str(_ attr: Int) -> String? { nftnl_expr_get_str(p, a(attr)).map { String(cString: $0) } }
    switch name {
    case .payload:
      guard !has(NFTNL_EXPR_PAYLOAD_SREG), let base = PayloadBase(rawValue: u32(NFTNL_EXPR_PAYLOAD_BASE)) else { return nil }
      return .payload(
        base: base, offset: u32(NFTNL_EXPR_PAYLOAD_OFFSET), length: u32(NFTNL_EXPR_PAYLOAD_LEN), dreg: u32(NFTNL_EXPR_PAYLOAD_DREG))
    case .meta:
      if has(NFTNL_EXPR_META_SREG) { return .metaSet(key: u32(NFTNL_EXPR_META_KEY), sreg: u32(NFTNL_EXPR_META_SREG)) }
      return .metaLoad(key: u32(NFTNL_EXPR_META_KEY), dreg: u32(NFTNL_EXPR_META_DREG))
    case .ct:
      guard !has(NFTNL_EXPR_CT_SREG), !has(NFTNL_EXPR_CT_DIR) else { return nil }
      return .ctLoad(key: u32(NFTNL_EXPR_CT_KEY), dreg: u32(NFTNL_EXPR_CT_DREG))
    case .numgen:
      guard u32(NFTNL_EXPR_NG_TYPE) == UInt32(NFT_NG_RANDOM.rawValue), u32(NFTNL_EXPR_NG_OFFSET) == 0 else { return nil }
      return .numgenRandom(modulus: u32(NFTNL_EXPR_NG_MODULUS), dreg: u32(NFTNL_EXPR_NG_DREG))
    case .fib:
      return .fib(flags: u32(NFTNL_EXPR_FIB_FLAGS), result: u32(NFTNL_EXPR_FIB_RESULT), dreg: u32(NFTNL_EXPR_FIB_DREG))
    case .cmp:
      return .cmp(sreg: u32(NFTNL_EXPR_CMP_SREG), op: u32(NFTNL_EXPR_CMP_OP), data: bytes(NFTNL_EXPR_CMP_DATA))
    case .bitwise:
      guard !has(NFTNL_EXPR_BITWISE_OP) || u32(NFTNL_EXPR_BITWISE_OP) == UInt32(NFT_BITWISE_MASK_XOR.rawValue) else { return nil }
      return .bitwise(
        sreg: u32(NFTNL_EXPR_BITWISE_SREG), dreg: u32(NFTNL_EXPR_BITWISE_DREG), length: u32(NFTNL_EXPR_BITWISE_LEN),
        mask: bytes(NFTNL_EXPR_BITWISE_MASK), xor: bytes(NFTNL_EXPR_BITWISE_XOR))
    case .byteorder:
      return .byteorder(
        sreg: u32(NFTNL_EXPR_BYTEORDER_SREG), dreg: u32(NFTNL_EXPR_BYTEORDER_DREG), op: u32(NFTNL_EXPR_BYTEORDER_OP),
        length: u32(NFTNL_EXPR_BYTEORDER_LEN), size: u32(NFTNL_EXPR_BYTEORDER_SIZE))
    case .lookup:
      guard let set = str(NFTNL_EXPR_LOOKUP_SET) else { return nil }
      return .lookup(
        sreg: u32(NFTNL_EXPR_LOOKUP_SREG), set: set, dreg: has(NFTNL_EXPR_LOOKUP_DREG) ? u32(NFTNL_EXPR_LOOKUP_DREG) : nil,
        flags: has(NFTNL_EXPR_LOOKUP_FLAGS) ? u32(NFTNL_EXPR_LOOKUP_FLAGS) : 0)
    case .dynset:
      guard u32(NFTNL_EXPR_DYNSET_OP) == UInt32(NFT_DYNSET_OP_UPDATE.rawValue), let set = str(NFTNL_EXPR_DYNSET_SET_NAME) else {
        return nil
      }
      return .dynsetUpdate(sregKey: u32(NFTNL_EXPR_DYNSET_SREG_KEY), set: set)
    case .objref:
      // Only the map form; a reference to one named object (IMM_NAME) is not kproxy's.
      guard has(NFTNL_EXPR_OBJREF_SET_SREG), let set = str(NFTNL_EXPR_OBJREF_SET_NAME) else { return nil }
      return .objrefMap(sreg: u32(NFTNL_EXPR_OBJREF_SET_SREG), set: set, setID: nil)
    case .immediate:
      if has(NFTNL_EXPR_IMM_VERDICT) {
        return .immediateVerdict(code: Int32(bitPattern: u32(NFTNL_EXPR_IMM_VERDICT)), chain: str(NFTNL_EXPR_IMM_CHAIN))
      }
      return .immediateData(dreg: u32(NFTNL_EXPR_IMM_DREG), data: bytes(NFTNL_EXPR_IMM_DATA))
    case .nat:
      return .nat(
        type: u32(NFTNL_EXPR_NAT_TYPE), family: u32(NFTNL_EXPR_NAT_FAMILY), addrReg: u32(NFTNL_EXPR_NAT_REG_ADDR_MIN),
        protoReg: u32(NFTNL_EXPR_NAT_REG_PROTO_MIN), flags: has(NFTNL_EXPR_NAT_FLAGS) ? u32(NFTNL_EXPR_NAT_FLAGS) : nil)
    case .masq:
      return .masq(flags: has(NFTNL_EXPR_MASQ_FLAGS) ? u32(NFTNL_EXPR_MASQ_FLAGS) : nil)
    case .reject:
      return .reject(type: u32(NFTNL_EXPR_REJECT_TYPE), code: nftnl_expr_get_u8(p, a(NFTNL_EXPR_REJECT_CODE)))
    case .counter:
      return .counter
    }
  }

  /// The expression kinds `read` knows, by their libnftnl names.
  enum Kind: CaseIterable {
    case cmp, payload, meta, immediate, lookup, nat, numgen, bitwise, byteorder, ct, fib, dynset, masq, reject, counter, objref

    var name: StaticString {
      switch self {
      case .cmp: "cmp"
      case .payload: "payload"
      case .meta: "meta"
      case .immediate: "immediate"
      case .lookup: "lookup"
      case .nat: "nat"
      case .numgen: "numgen"
      case .bitwise: "bitwise"
      case .byteorder: "byteorder"
      case .ct: "ct"
      case .fib: "fib"
      case .dynset: "dynset"
      case .masq: "masq"
      case .reject: "reject"
      case .counter: "counter"
      case .objref: "objref"
      }
    }
  }

  /// The kind named by the C string `cname`, compared without making a Swift string.
  static func kind(_ cname: UnsafePointer<CChar>) -> Kind? {
    for k in Kind.allCases where strcmp(cname, UnsafeRawPointer(k.name.utf8Start).assumingMemoryBound(to: CChar.self)) == 0 { return k }
    return nil
  }
}

extension RegisterExpr {
  /// The libnftnl expression name (`nftnl_expr_alloc` argument).
  var libnftnlName: StaticString {
    switch self {
    case .payload: "payload"
    case .metaLoad, .metaSet: "meta"
    case .ctLoad: "ct"
    case .numgenRandom: "numgen"
    case .fib: "fib"
    case .cmp: "cmp"
    case .bitwise: "bitwise"
    case .byteorder: "byteorder"
    case .lookup: "lookup"
    case .dynsetUpdate: "dynset"
    case .objrefMap: "objref"
    case .immediateData, .immediateVerdict: "immediate"
    case .nat: "nat"
    case .masq: "masq"
    case .reject: "reject"
    case .counter: "counter"
    }
  }
}

extension RegisterExpr {
  /// Expressions with the same slot set exactly the same libnftnl attributes (all of them
  /// numbers or fixed-size data), so one libnftnl object can be filled again for the next
  /// rule. nil for expressions holding strings, which libnftnl duplicates on every set.
  var poolSlot: Int? {
    switch self {
    case .payload: 0
    case .metaLoad: 1
    case .metaSet: 2
    case .ctLoad: 3
    case .numgenRandom: 4
    case .fib: 5
    case .cmp: 6
    case .bitwise: 7
    case .byteorder: 8
    case .immediateData: 9
    case .immediateVerdict(_, nil): 10
    case .nat(_, _, _, _, _?): 11
    case .nat(_, _, _, _, nil): 16
    case .masq(nil): 12
    case .masq: 13
    case .reject: 14
    case .counter: 15
    case .immediateVerdict, .lookup, .dynsetUpdate, .objrefMap: nil
    }
  }

  static let poolSlots = 17
}

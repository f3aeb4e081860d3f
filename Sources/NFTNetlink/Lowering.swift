// Lowers the typed rule vocabulary (`Expr`) into register-level expressions exactly as nft
// 1.0.6 generates them for the same rule text (checked with `nft --debug=netlink`).
import NFTables
import NetAddress

/// Why a rule cannot be lowered.
public enum LoweringError: Error, Sendable, Hashable, CustomStringConvertible {
  /// A lookup, verdict map or set update names a set that is neither in the transaction nor in the table.
  case unknownSet(String)
  /// A value that does not fit the field it is compared with (e.g. an IPv6 address against `ip saddr`).
  case valueMismatch(field: String, value: String)
  /// A single-field interval element encoded as one kernel element (it needs a start and an
  /// interval end: `ElementLayout.kernelElements`).
  case unsupportedSet(String)
  /// A set declaration whose user data (typeof expressions, comment) does not fit its one-byte
  /// TLV lengths or NFT_USERDATA_MAXLEN (nft 1.0.6 writes truncated lengths then, and lists the
  /// set by its types); refused rather than sent garbled.
  case userDataTooLong(set: String)

  public var description: String {
    switch self {
    case .unknownSet(let s): "rule refers to set \(s), which is not declared"
    case .valueMismatch(let f, let v): "value \(v) does not fit \(f)"
    case .unsupportedSet(let s): "set \(s): a range of a single-field interval set is two kernel elements"
    case .userDataTooLong(let s): "set \(s): its typeof expressions and comment exceed \(UserData.maxLength) bytes of user data"
    }
  }
}

/// Lowers the rules of one table. `sets` are the table's sets by name (lookups into interval
/// sets convert host-endian key fields to network order first, as nft does).
public struct RuleLowering: Sendable {
  public var family: TableFamily
  public var sets: [String: NFTSet]
  /// NFTA_SET_ID of the sets declared earlier in the same batch, by name (sent with `objref`).
  var setIDs: [String: UInt32] = [:]

  public init(family: TableFamily, sets: [String: NFTSet]) {
    self.family = family
    self.sets = sets
  }

  /// The register expressions of a rule, in order.
  public func lower(_ rule: Rule) throws -> [RegisterExpr] {
    var out: [RegisterExpr] = []
    out.reserveCapacity(rule.exprs.count * 4)
    for e in rule.exprs { try lower(e, into: &out) }
    return out
  }

  func lower(_ expr: Expr, into out: inout [RegisterExpr]) throws {
    let r1 = Kernel.reg1
    switch expr {
    case .counterMap(let fields, let map):
      guard let set = sets[map] else { throw LoweringError.unknownSet(map) }
      guard set.isCounterMap else {
        throw LoweringError.valueMismatch(
          field: "counter name ... map @\(map)", value: "data \(set.dataType.map { "\($0)" } ?? "none") of \(map)")
      }
      try loadKey(fields, set: map, into: &out)
      out.append(.objrefMap(sreg: r1, set: map, setID: setIDs[map]))
    case .cmp(let field, let op, let value):
      try lowerCmp(field, op, value, into: &out)
    case .maskedCmp(let field, let mask, let op, let v):
      out.append(field.load(into: r1))
      out.append(.bitwise(sreg: r1, dreg: r1, length: 4, mask: ByteLayout.hostEndian32(mask), xor: [0, 0, 0, 0]))
      out.append(.cmp(sreg: r1, op: op == .eq ? Kernel.cmpEq : Kernel.cmpNeq, data: ByteLayout.hostEndian32(v)))
    case .lookup(let fields, let set, let negated):
      try loadKey(fields, set: set, into: &out)
      out.append(.lookup(sreg: r1, set: set, dreg: nil, flags: negated ? Kernel.lookupInvert : 0))
    case .dnatMap(let fields, let map, let version):
      try lowerDnatMap(fields, map: map, version: version, into: &out)
    case .vmap(let fields, let map):
      try loadKey(fields, set: map, into: &out)
      out.append(.lookup(sreg: r1, set: map, dreg: Kernel.regVerdict, flags: 0))
    case .markOr(let bits):
      out.append(.metaLoad(key: Kernel.metaMark, dreg: r1))
      out.append(.bitwise(sreg: r1, dreg: r1, length: 4, mask: ByteLayout.hostEndian32(~bits), xor: ByteLayout.hostEndian32(bits)))
      out.append(.metaSet(key: Kernel.metaMark, sreg: r1))
    case .markXor(let bits):
      out.append(.metaLoad(key: Kernel.metaMark, dreg: r1))
      out.append(.bitwise(sreg: r1, dreg: r1, length: 4, mask: ByteLayout.hostEndian32(.max), xor: ByteLayout.hostEndian32(bits)))
      out.append(.metaSet(key: Kernel.metaMark, sreg: r1))
    case .updateSet(let fields, let set):
      try loadKey(fields, set: set, into: &out)
      out.append(.dynsetUpdate(sregKey: r1, set: set))
    case .dnat(let addr, let port):
      out.append(.immediateData(dreg: r1, data: addr.bytes))
      out.append(.immediateData(dreg: Kernel.reg2, data: ByteLayout.bigEndian16(port)))
      let fam = addr.family == .v4 ? Kernel.nfprotoIPv4 : Kernel.nfprotoIPv6
      out.append(.nat(type: Kernel.natDnat, family: fam, addrReg: r1, protoReg: Kernel.reg2, flags: Kernel.natProtoSpecified))
    case .masquerade(let fullyRandom):
      out.append(.masq(flags: fullyRandom ? Kernel.natRandomFully : nil))
    case .reject:
      switch family {
      case .ip: out.append(.reject(type: Kernel.rejectIcmpUnreach, code: Kernel.icmpPortUnreach))
      case .ip6: out.append(.reject(type: Kernel.rejectIcmpUnreach, code: Kernel.icmp6PortUnreach))
      case .inet: out.append(.reject(type: Kernel.rejectIcmpxUnreach, code: Kernel.icmpxPortUnreach))
      }
    case .counter:
      out.append(.counter)
    case .verdict(let v):
      out.append(Self.verdictExpr(v))
    }
  }

  static func verdictExpr(_ v: Verdict) -> RegisterExpr {
    switch v {
    case .accept: .immediateVerdict(code: Kernel.verdictAccept, chain: nil)
    case .drop: .immediateVerdict(code: Kernel.verdictDrop, chain: nil)
    case .return_: .immediateVerdict(code: Kernel.verdictReturn, chain: nil)
    case .jump(let c): .immediateVerdict(code: Kernel.verdictJump, chain: c)
    case .goto(let c): .immediateVerdict(code: Kernel.verdictGoto, chain: c)
    }
  }

  /// `FIELD [!=] VALUE`: prefixes on byte boundaries load fewer bytes, other prefixes mask;
  /// conntrack bits test `(ct & BITS) != 0`; `tcp dport` first matches `meta l4proto tcp`.
  func lowerCmp(_ field: Field, _ op: CmpOp, _ value: Value, into out: inout [RegisterExpr]) throws {
    let r1 = Kernel.reg1
    let cmpOp = op == .eq ? Kernel.cmpEq : Kernel.cmpNeq
    switch (field, value) {
    case (.ctState, .ctState) where op == .eq, (.ctStatus, .ctStatus) where op == .eq:
      // `ct state new` tests the bit; `ct state != new` compares the whole value (as nft does).
      out.append(field.load(into: r1))
      out.append(.bitwise(sreg: r1, dreg: r1, length: 4, mask: ByteLayout.bytes(of: value), xor: [0, 0, 0, 0]))
      out.append(.cmp(sreg: r1, op: Kernel.cmpNeq, data: [0, 0, 0, 0]))
    case (.saddr(let v), .prefix(let p)), (.daddr(let v), .prefix(let p)):
      guard (p.family == .v4) == (v == .v4) else { throw LoweringError.valueMismatch(field: "\(field)", value: "\(p)") }
      let full = field.registerLength
      let bytes = p.address.bytes
      if p.length == full * 8 {
        out.append(field.load(into: r1))
        out.append(.cmp(sreg: r1, op: cmpOp, data: bytes))
      } else if p.length % 8 == 0 && p.length > 0 {
        let n = p.length / 8
        out.append(field.load(into: r1, length: n))
        out.append(.cmp(sreg: r1, op: cmpOp, data: Array(bytes[0..<n])))
      } else {
        out.append(field.load(into: r1))
        out.append(
          .bitwise(
            sreg: r1, dreg: r1, length: UInt32(full), mask: ByteLayout.prefixMask(length: p.length, byteCount: full),
            xor: [UInt8](repeating: 0, count: full)))
        out.append(.cmp(sreg: r1, op: cmpOp, data: bytes))
      }
    case (.saddr(let v), .address(let a)), (.daddr(let v), .address(let a)):
      guard (a.family == .v4) == (v == .v4) else { throw LoweringError.valueMismatch(field: "\(field)", value: "\(a)") }
      out.append(field.load(into: r1))
      out.append(.cmp(sreg: r1, op: cmpOp, data: a.bytes))
    case (.dport(let proto), _):
      out.append(.metaLoad(key: Kernel.metaL4proto, dreg: r1))
      out.append(.cmp(sreg: r1, op: Kernel.cmpEq, data: [proto.rawValue]))
      out.append(field.load(into: r1))
      out.append(.cmp(sreg: r1, op: cmpOp, data: ByteLayout.bytes(of: value)))
    default:
      out.append(field.load(into: r1))
      out.append(.cmp(sreg: r1, op: cmpOp, data: ByteLayout.bytes(of: value)))
    }
  }

  /// `dnat ip to KEY map @M`: the key, a lookup whose `address . port` data overwrites it from
  /// NFT_REG_1, and a `nat` reading the port from the register after the address. nft sends no
  /// NFTA_NAT_FLAGS here (the kernel derives them from the registers).
  func lowerDnatMap(_ fields: [Field], map: String, version: IPVersion, into out: inout [RegisterExpr]) throws {
    guard let set = sets[map] else { throw LoweringError.unknownSet(map) }
    let text = "dnat \(version.keyword) to ... map @\(map)"
    guard set.dataType == [version.addressType, .inetService] else {
      throw LoweringError.valueMismatch(field: text, value: "data \(set.dataType.map { "\($0)" } ?? "none") of map \(map)")
    }
    if (family == .ip && version != .v4) || (family == .ip6 && version != .v6) {
      throw LoweringError.valueMismatch(field: "\(family.rawValue) table", value: text)
    }
    try loadKey(fields, set: map, into: &out)
    let r1 = Kernel.reg1
    out.append(.lookup(sreg: r1, set: map, dreg: r1, flags: 0))
    let addressWords = version.addressType.byteLength / 4
    out.append(
      .nat(
        type: Kernel.natDnat, family: version == .v4 ? Kernel.nfprotoIPv4 : Kernel.nfprotoIPv6, addrReg: r1,
        protoReg: registerNumber(offset32: addressWords), flags: nil))
  }

  /// Loads a (possibly concatenated) key into consecutive 32-bit registers starting at
  /// NFT_REG_1; host-endian fields of interval-set keys are converted to network order.
  func loadKey(_ fields: [Field], set name: String, into out: inout [RegisterExpr]) throws {
    guard let set = sets[name] else { throw LoweringError.unknownSet(name) }
    let convert = set.flags.contains(.interval)
    // `tcp dport` in a key needs its protocol match first.
    for f in fields {
      if case .dport(let p) = f {
        out.append(.metaLoad(key: Kernel.metaL4proto, dreg: Kernel.reg1))
        out.append(.cmp(sreg: Kernel.reg1, op: Kernel.cmpEq, data: [p.rawValue]))
      }
    }
    var offset = 0
    for f in fields {
      let reg = registerNumber(offset32: offset)
      out.append(f.load(into: reg))
      if convert && f.isHostEndian {
        // nft 1.0.6 emits `hton(reg, 2, 1)` for inet_proto (the only host-endian key field kproxy
        // puts in interval sets); 32-bit fields get `hton(reg, 4, 4)` by the same rule.
        let len = UInt32(f.registerLength)
        out.append(.byteorder(sreg: reg, dreg: reg, op: Kernel.byteorderHton, length: len, size: len == 1 ? 2 : len))
      }
      offset += (f.registerLength + 3) / 4
    }
  }
}

// Lifts dumped register-level expressions back into the typed vocabulary (`Expr`): the
// inverse of `RuleLowering` for every shape it produces; anything else is not kproxy's.
import NFTables
import NetAddress

public struct RuleLifting: Sendable {
  public var family: TableFamily
  public init(family: TableFamily) { self.family = family }

  /// The typed expressions of a rule, or nil if the register expressions are not a shape
  /// kproxy generates (e.g. a rule added by hand).
  public func lift(_ regs: [RegisterExpr]) -> [Expr]? {
    var out: [Expr] = []
    out.reserveCapacity(regs.count)
    var i = 0
    while i < regs.count {
      guard let (expr, used) = liftOne(regs, at: i) else { return nil }
      out.append(expr)
      i += used
    }
    return out
  }

  func liftOne(_ r: [RegisterExpr], at i: Int) -> (Expr, Int)? {
    let r1 = Kernel.reg1
    func at(_ k: Int) -> RegisterExpr? { i + k < r.count ? r[i + k] : nil }
    switch r[i] {
    case .immediateVerdict(let code, let chain):
      guard let v = Self.verdict(code: code, chain: chain) else { return nil }
      return (.verdict(v), 1)
    case .masq(let flags):
      switch flags {
      case nil: return (.masquerade(fullyRandom: false), 1)
      case Kernel.natRandomFully?: return (.masquerade(fullyRandom: true), 1)
      default: return nil
      }
    case .reject:
      guard r[i] == (try? RuleLowering(family: family, sets: [:]).lowerSingle(.reject)) else { return nil }
      return (.reject, 1)
    case .counter:
      return (.counter, 1)
    case .immediateData(r1, let addrBytes):
      guard case .immediateData(Kernel.reg2, let portBytes)? = at(1),
        // The kernel adds NF_NAT_RANGE_MAP_IPS itself when an address register is given.
        case .nat(Kernel.natDnat, let fam, r1, Kernel.reg2, let flags?)? = at(2), flags & ~Kernel.natMapIPs == Kernel.natProtoSpecified,
        let addr = Self.address(addrBytes[...]), let port = ByteLayout.readBigEndian16(portBytes[...]), portBytes.count == 2,
        fam == (addr.family == .v4 ? Kernel.nfprotoIPv4 : Kernel.nfprotoIPv6)
      else { return nil }
      return (.dnat(addr, port: port), 3)
    case .metaLoad(Kernel.metaMark, r1):
      if case .bitwise(r1, r1, 4, let mask, let xor)? = at(1), case .metaSet(Kernel.metaMark, r1)? = at(2),
        let m = ByteLayout.readHostEndian32(mask[...]), let x = ByteLayout.readHostEndian32(xor[...])
      {
        if m == .max { return (.markXor(x), 3) }
        if m == ~x { return (.markOr(x), 3) }
        return nil
      }
      return liftLoads(r, at: i)
    case .metaLoad(Kernel.metaL4proto, r1):
      // `tcp dport N`: protocol dependency, then the port.
      if case .cmp(r1, Kernel.cmpEq, let protoByte)? = at(1), protoByte.count == 1, let proto = IPProto(rawValue: protoByte[0]),
        case .payload(.transport, 2, 2, r1)? = at(2), case .cmp(r1, let op, let portBytes)? = at(3),
        let cmpOp = Self.cmpOp(op), let port = ByteLayout.readBigEndian16(portBytes[...]), portBytes.count == 2
      {
        return (.cmp(.dport(proto), cmpOp, .port(port)), 4)
      }
      return liftLoads(r, at: i)
    default:
      return liftLoads(r, at: i)
    }
  }

  /// One or more loads into consecutive registers, then what consumes them: a comparison
  /// (possibly masked), a lookup, a verdict map, a set update or a counter map.
  func liftLoads(_ r: [RegisterExpr], at start: Int) -> (Expr, Int)? {
    var fields: [(field: Field, length: Int)] = []
    var j = start
    var offset = 0
    while j < r.count, let (field, dreg, length) = Self.load(r[j], family: family), dreg == registerNumber(offset32: offset) {
      fields.append((field, length))
      offset += (length + 3) / 4
      j += 1
      if j < r.count, case .byteorder(let s, let d, Kernel.byteorderHton, _, _) = r[j], s == d { j += 1 }
    }
    guard let first = fields.first, j < r.count else { return nil }
    let r1 = Kernel.reg1
    switch r[j] {
    case .lookup(r1, let set, nil, let flags):
      return (.lookup(fields.map(\.field), set: set, negated: flags & Kernel.lookupInvert != 0), j - start + 1)
    case .lookup(r1, let set, Kernel.regVerdict?, 0):
      return (.vmap(fields.map(\.field), map: set), j - start + 1)
    case .lookup(r1, let set, r1?, 0):
      // `dnat ip to KEY map @M`: the data overwrites the key; the port follows the address.
      guard j + 1 < r.count, case .nat(Kernel.natDnat, let fam, r1, let protoReg, let flags) = r[j + 1] else { return nil }
      let version: IPVersion
      switch fam {
      case Kernel.nfprotoIPv4: version = .v4
      case Kernel.nfprotoIPv6: version = .v6
      default: return nil
      }
      // The kernel adds NF_NAT_RANGE_MAP_IPS and NF_NAT_RANGE_PROTO_SPECIFIED for the registers.
      guard protoReg == registerNumber(offset32: version.addressType.byteLength / 4),
        (flags ?? Kernel.natProtoSpecified) & ~Kernel.natMapIPs == Kernel.natProtoSpecified
      else { return nil }
      return (.dnatMap(fields.map(\.field), map: set, version: version), j - start + 2)
    case .dynsetUpdate(r1, let set):
      return (.updateSet(fields.map(\.field), set: set), j - start + 1)
    case .objrefMap(r1, let set, _):
      return (.counterMap(fields.map(\.field), map: set), j - start + 1)
    case .cmp(r1, let op, let data) where fields.count == 1:
      guard let cmpOp = Self.cmpOp(op), let v = Self.value(data, for: first.field, loaded: first.length) else { return nil }
      return (.cmp(first.field, cmpOp, v), j - start + 1)
    case .bitwise(r1, r1, let len, let mask, let xor) where fields.count == 1 && xor.allSatisfy({ $0 == 0 }):
      guard j + 1 < r.count, case .cmp(r1, let op, let data) = r[j + 1], let cmpOp = Self.cmpOp(op) else { return nil }
      let used = j - start + 2
      switch first.field {
      case .ctState, .ctStatus:
        // `(ct & BIT) != 0` is `ct state BIT`.
        guard cmpOp == .neq, data == [0, 0, 0, 0], let bits = ByteLayout.readHostEndian32(mask[...]) else { return nil }
        if case .ctState = first.field, let s = CtState(rawValue: bits) { return (.cmp(.ctState, .eq, .ctState(s)), used) }
        if case .ctStatus = first.field, let s = CtStatus(rawValue: bits) { return (.cmp(.ctStatus, .eq, .ctStatus(s)), used) }
        return nil
      case .saddr, .daddr:
        guard Int(len) == first.length, let length = Self.prefixLength(mask), let addr = Self.address(data[...]) else { return nil }
        return (.cmp(first.field, cmpOp, .prefix(IPPrefix(address: addr, length: length))), used)
      default:
        guard len == 4, let m = ByteLayout.readHostEndian32(mask[...]), let v = ByteLayout.readHostEndian32(data[...]) else { return nil }
        return (.maskedCmp(first.field, mask: m, cmpOp, v), used)
      }
    default:
      return nil
    }
  }

  /// The field a load expression reads, its destination register and the bytes it loads.
  /// Network header offsets mean IPv4 fields in `ip` tables and IPv6 fields in `ip6` tables.
  static func load(_ e: RegisterExpr, family: TableFamily) -> (Field, UInt32, Int)? {
    switch e {
    case .payload(.network, let offset, let len, let dreg):
      guard len > 0 else { return nil }
      switch (family, offset) {
      case (.ip, 12) where len <= 4: return (.saddr(.v4), dreg, Int(len))
      case (.ip, 16) where len <= 4: return (.daddr(.v4), dreg, Int(len))
      case (.ip6, 8) where len <= 16: return (.saddr(.v6), dreg, Int(len))
      case (.ip6, 24) where len <= 16: return (.daddr(.v6), dreg, Int(len))
      default: return nil
      }
    case .payload(.transport, 2, 2, let dreg): return (.thDport, dreg, 2)
    case .metaLoad(Kernel.metaL4proto, let dreg): return (.l4proto, dreg, 1)
    case .metaLoad(Kernel.metaMark, let dreg): return (.mark, dreg, 4)
    case .ctLoad(Kernel.ctState, let dreg): return (.ctState, dreg, 4)
    case .ctLoad(Kernel.ctStatus, let dreg): return (.ctStatus, dreg, 4)
    case .numgenRandom(let mod, let dreg): return (.numgenRandom(mod: mod), dreg, 4)
    case .fib(Kernel.fibFlagSaddr, Kernel.fibResultAddrType, let dreg): return (.fibSaddrType, dreg, 4)
    case .fib(Kernel.fibFlagDaddr, Kernel.fibResultAddrType, let dreg): return (.fibDaddrType, dreg, 4)
    default: return nil
    }
  }

  /// A compared constant: full addresses, byte-aligned prefixes (shorter loads), protocols,
  /// ports, marks, numbers and route types.
  static func value(_ data: [UInt8], for field: Field, loaded: Int) -> Value? {
    guard data.count == loaded else { return nil }
    switch field {
    case .saddr(let v), .daddr(let v):
      let full = v == .v4 ? 4 : 16
      let padded = data + [UInt8](repeating: 0, count: full - loaded)
      guard let a = address(padded[...]) else { return nil }
      return loaded == full ? .address(a) : .prefix(IPPrefix(address: a, length: loaded * 8))
    case .l4proto: return IPProto(rawValue: data[0]).map { .proto($0) }
    case .thDport, .dport: return ByteLayout.readBigEndian16(data[...]).map { .port($0) }
    case .mark, .numgenRandom: return ByteLayout.readHostEndian32(data[...]).map { .integer($0) }
    case .fibSaddrType, .fibDaddrType:
      return ByteLayout.readHostEndian32(data[...]).flatMap(FibAddrType.init(rawValue:)).map { .fibType($0) }
    case .ctState: return ByteLayout.readHostEndian32(data[...]).flatMap(CtState.init(rawValue:)).map { .ctState($0) }
    case .ctStatus: return ByteLayout.readHostEndian32(data[...]).flatMap(CtStatus.init(rawValue:)).map { .ctStatus($0) }
    }
  }

  static func address(_ b: ArraySlice<UInt8>) -> IPAddress? {
    let s = b.startIndex
    switch b.count {
    case 4:
      return .v4(IPv4Address(b.reduce(0) { $0 << 8 | UInt32($1) }))
    case 16:
      let high = b[s..<(s + 8)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      let low = b[(s + 8)..<(s + 16)].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
      return .v6(IPv6Address(high: high, low: low))
    default:
      return nil
    }
  }

  /// The length of a contiguous network mask (ones then zeros), nil otherwise.
  static func prefixLength(_ mask: [UInt8]) -> Int? {
    var bits = 0
    var seenZero = false
    for byte in mask {
      for k in stride(from: 7, through: 0, by: -1) {
        if byte >> UInt8(k) & 1 == 1 {
          if seenZero { return nil }
          bits += 1
        } else {
          seenZero = true
        }
      }
    }
    return bits
  }

  static func cmpOp(_ op: UInt32) -> CmpOp? {
    switch op {
    case Kernel.cmpEq: .eq
    case Kernel.cmpNeq: .neq
    default: nil
    }
  }

  static func verdict(code: Int32, chain: String?) -> Verdict? {
    switch code {
    case Kernel.verdictAccept: .accept
    case Kernel.verdictDrop: .drop
    case Kernel.verdictReturn: .return_
    case Kernel.verdictJump: chain.map { .jump($0) }
    case Kernel.verdictGoto: chain.map { .goto($0) }
    default: nil
    }
  }
}

extension RuleLowering {
  /// The register expressions of one typed expression.
  func lowerSingle(_ e: Expr) throws -> RegisterExpr? {
    var out: [RegisterExpr] = []
    try lower(e, into: &out)
    return out.count == 1 ? out[0] : nil
  }
}

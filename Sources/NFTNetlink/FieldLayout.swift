// Where each `Field` lives in the packet or the kernel (payload offsets, meta/ct keys), its
// length in a register, and the byte layout of constants compared against it.
import NFTables
import NetAddress

extension Field {
  /// Bytes the field occupies in a register (before padding to 32 bits in concatenations).
  var registerLength: Int {
    switch self {
    case .saddr(let v), .daddr(let v): v == .v4 ? 4 : 16
    case .l4proto: 1
    case .thDport, .dport: 2
    case .mark, .numgenRandom, .fibSaddrType, .fibDaddrType, .ctState, .ctStatus: 4
    }
  }

  /// The data type of the field as a set key, which decides its byte order.
  var isHostEndian: Bool {
    switch self {
    case .l4proto, .mark, .numgenRandom, .fibSaddrType, .fibDaddrType, .ctState, .ctStatus: true
    case .saddr, .daddr, .thDport, .dport: false
    }
  }

  /// The type of the field's values in a set (nil for types no set of kproxy's holds).
  var dataType: DataType? {
    switch self {
    case .saddr(let v), .daddr(let v): v.addressType
    case .l4proto: .inetProto
    case .thDport, .dport: .inetService
    case .mark: .mark
    case .numgenRandom: .integer
    case .fibSaddrType, .fibDaddrType, .ctState, .ctStatus: nil
    }
  }

  /// The expression loading the field into `dreg` (without the protocol dependency of `dport`).
  func load(into dreg: UInt32, length: Int? = nil) -> RegisterExpr {
    switch self {
    case .saddr(let v):
      .payload(base: .network, offset: v == .v4 ? 12 : 8, length: UInt32(length ?? registerLength), dreg: dreg)
    case .daddr(let v):
      .payload(base: .network, offset: v == .v4 ? 16 : 24, length: UInt32(length ?? registerLength), dreg: dreg)
    case .l4proto: .metaLoad(key: Kernel.metaL4proto, dreg: dreg)
    case .thDport, .dport: .payload(base: .transport, offset: 2, length: 2, dreg: dreg)
    case .mark: .metaLoad(key: Kernel.metaMark, dreg: dreg)
    case .numgenRandom(let mod): .numgenRandom(modulus: mod, dreg: dreg)
    case .fibSaddrType: .fib(flags: Kernel.fibFlagSaddr, result: Kernel.fibResultAddrType, dreg: dreg)
    case .fibDaddrType: .fib(flags: Kernel.fibFlagDaddr, result: Kernel.fibResultAddrType, dreg: dreg)
    case .ctState: .ctLoad(key: Kernel.ctState, dreg: dreg)
    case .ctStatus: .ctLoad(key: Kernel.ctStatus, dreg: dreg)
    }
  }
}

/// nft's register numbering for a value at a 32-bit offset inside the register file: offsets
/// on a 128-bit boundary use the legacy numbers NFT_REG_1..4, others NFT_REG32_00 + offset.
func registerNumber(offset32: Int) -> UInt32 {
  offset32 % 4 == 0 ? Kernel.reg1 + UInt32(offset32 / 4) : Kernel.reg32First + UInt32(offset32)
}

enum ByteLayout {
  static func bigEndian16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
  static func hostEndian32(_ v: UInt32) -> [UInt8] { withUnsafeBytes(of: v.littleEndian) { Array($0) } }
  static func readBigEndian16(_ b: ArraySlice<UInt8>) -> UInt16? {
    guard b.count >= 2 else { return nil }
    return UInt16(b[b.startIndex]) << 8 | UInt16(b[b.startIndex + 1])
  }
  static func readHostEndian32(_ b: ArraySlice<UInt8>) -> UInt32? {
    guard b.count >= 4 else { return nil }
    var v: UInt32 = 0
    for i in 0..<4 { v |= UInt32(b[b.startIndex + i]) << (8 * UInt32(i)) }
    return v
  }

  /// The bytes of a constant as the kernel compares them (network order for addresses and
  /// ports, host order for marks, numbers and conntrack bits). Prefixes give their address.
  static func bytes(of value: Value) -> [UInt8] {
    switch value {
    case .address(let a): a.bytes
    case .prefix(let p): p.address.bytes
    case .proto(let p): [p.rawValue]
    case .port(let p): bigEndian16(p)
    case .integer(let i): hostEndian32(i)
    case .ctState(let s): hostEndian32(s.rawValue)
    case .ctStatus(let s): hostEndian32(s.rawValue)
    case .fibType(let t): hostEndian32(t.rawValue)
    }
  }

  /// Appends `bytes(of: value)` to `out` without an intermediate array.
  static func append(_ value: Value, to out: inout [UInt8]) {
    func be32(_ v: UInt32) {
      out.append(UInt8(v >> 24)); out.append(UInt8(truncatingIfNeeded: v >> 16)); out.append(UInt8(truncatingIfNeeded: v >> 8));
      out.append(UInt8(truncatingIfNeeded: v))
    }
    func le32(_ v: UInt32) { be32(v.byteSwapped) }
    func address(_ a: IPAddress) {
      switch a {
      case .v4(let v4): be32(v4.value)
      case .v6(let v6):
        be32(UInt32(v6.high >> 32)); be32(UInt32(truncatingIfNeeded: v6.high))
        be32(UInt32(v6.low >> 32)); be32(UInt32(truncatingIfNeeded: v6.low))
      }
    }
    switch value {
    case .address(let a): address(a)
    case .prefix(let p): address(p.address)
    case .proto(let p): out.append(p.rawValue)
    case .port(let p): out.append(UInt8(p >> 8)); out.append(UInt8(p & 0xff))
    case .integer(let i): le32(i)
    case .ctState(let s): le32(s.rawValue)
    case .ctStatus(let s): le32(s.rawValue)
    case .fibType(let t): le32(t.rawValue)
    }
  }

  /// The mask of a prefix of `length` bits over `byteCount` bytes.
  static func prefixMask(length: Int, byteCount: Int) -> [UInt8] {
    (0..<byteCount).map { i in
      let bits = max(0, min(8, length - i * 8))
      return bits == 0 ? 0 : UInt8(truncatingIfNeeded: 0xff << (8 - bits))
    }
  }
}

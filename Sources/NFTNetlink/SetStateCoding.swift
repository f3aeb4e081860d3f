// The byte format of a set state file: a header naming the network namespace (boot id and
// namespace cookie) and the ruleset generation, then per table and set its elements, then a
// checksum of everything before it. Linear to write and to read; any damage is detected.
import Foundation
import NFTables
import NetAddress

/// Why a state file's bytes were refused (the caller falls back to flushing and refilling).
public struct SetStateFormatError: Error, Sendable, Equatable, CustomStringConvertible {
  public var reason: String
  public init(reason: String) { self.reason = reason }
  public var description: String { "set state file: \(reason)" }
}

/// The contents of a set state file.
public struct SetState: Sendable, Equatable {
  /// The boot (`/proc/sys/kernel/random/boot_id`) and the namespace (SO_NETNS_COOKIE, never
  /// reused during a boot) the generation belongs to.
  public var bootID: String
  public var namespaceCookie: UInt64
  /// The ruleset generation the commit produced.
  public var generation: UInt32
  /// Per table, per set name, every element.
  public var tables: [TableRef: [String: [Element]]]

  public init(bootID: String, namespaceCookie: UInt64, generation: UInt32, tables: [TableRef: [String: [Element]]]) {
    self.bootID = bootID
    self.namespaceCookie = namespaceCookie
    self.generation = generation
    self.tables = tables
  }
}

public enum SetStateCoding {
  static let magic: [UInt8] = Array("KPSETS1\n".utf8)

  public static func encode(_ s: SetState) -> [UInt8] {
    var w = ByteWriter()
    // About 30 bytes per element (an endpoint slot: key, data, flags): one allocation.
    w.bytes.reserveCapacity(4096 + s.tables.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.count } } * 32)
    w.bytes.append(contentsOf: magic)
    w.string(s.bootID)
    w.u64(s.namespaceCookie)
    w.u32(s.generation)
    w.u32(UInt32(s.tables.count))
    for ref in s.tables.keys.sorted() {
      let sets = s.tables[ref]!
      w.u8(family: ref.family)
      w.string(ref.name)
      w.u32(UInt32(sets.count))
      for name in sets.keys.sorted() {
        let elements = sets[name]!
        w.string(name)
        w.u32(UInt32(elements.count))
        for e in elements { w.element(e) }
      }
    }
    w.u64(checksum(w.bytes[...]))
    return w.bytes
  }

  public static func decode(_ bytes: [UInt8]) throws -> SetState {
    guard bytes.count >= magic.count + 8, bytes[0..<magic.count].elementsEqual(magic) else {
      throw SetStateFormatError(reason: "not a kproxy set state file (or another version of it)")
    }
    var sum: UInt64 = 0
    for i in 0..<8 { sum |= UInt64(bytes[bytes.count - 8 + i]) << (8 * i) }
    guard checksum(bytes[..<(bytes.count - 8)]) == sum else {
      throw SetStateFormatError(reason: "checksum mismatch (damaged or cut short)")
    }
    var r = ByteReader(bytes: bytes, end: bytes.count - 8, offset: magic.count)
    var s = SetState(bootID: try r.string(), namespaceCookie: try r.u64(), generation: try r.u32(), tables: [:])
    for _ in 0..<(try r.u32()) {
      let ref = TableRef(family: try r.family(), name: try r.string())
      var sets: [String: [Element]] = [:]
      for _ in 0..<(try r.u32()) {
        let name = try r.string()
        let count = Int(try r.u32())
        guard count <= r.end - r.offset else { throw SetStateFormatError(reason: "set \(name) claims \(count) elements") }
        var elements: [Element] = []
        elements.reserveCapacity(count)
        for _ in 0..<count { elements.append(try r.element()) }
        sets[name] = elements
      }
      s.tables[ref] = sets
    }
    guard r.offset == r.end else { throw SetStateFormatError(reason: "\(r.end - r.offset) bytes after the last set") }
    return s
  }

  /// `bytes` (an encoded state) with its generation replaced and the checksum recomputed: the
  /// elements can be encoded while the commit that decides the generation is still running.
  public static func replacingGeneration(_ bytes: [UInt8], with generation: UInt32) -> [UInt8] {
    var out = bytes
    // magic, boot id (length + bytes), cookie, then the generation.
    var bootLength = 0
    for i in 0..<4 { bootLength |= Int(out[magic.count + i]) << (8 * i) }
    let at = magic.count + 4 + bootLength + 8
    for i in 0..<4 { out[at + i] = UInt8((generation >> (8 * UInt32(i))) & 0xff) }
    let sum = checksum(out[..<(out.count - 8)])
    for i in 0..<8 { out[out.count - 8 + i] = UInt8((sum >> (8 * UInt64(i))) & 0xff) }
    return out
  }

  /// Writes `state` to `path` (created or truncated, mode 0600) with one write loop over the
  /// encoded bytes (no copy into `Data`).
  public static func write(_ state: SetState, to path: String) throws {
    try write(encoded: encode(state), to: path)
  }

  /// Writes already encoded bytes to `path`, as `write(_:to:)`.
  public static func write(encoded bytes: [UInt8], to path: String) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
    guard fd >= 0 else { throw SetStateFormatError(reason: "cannot create \(path): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var done = 0
    try bytes.withUnsafeBytes { raw in
      while done < raw.count {
        let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { throw SetStateFormatError(reason: "cannot write \(path): \(String(cString: strerror(errno)))") }
        done += n
      }
    }
  }

  /// FNV-1a over 64-bit words (the tail bytewise): cheap at tens of megabytes, and any
  /// truncation or flipped byte changes it.
  static func checksum(_ bytes: ArraySlice<UInt8>) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    let prime: UInt64 = 0x100_0000_01b3
    bytes.withUnsafeBytes { raw in
      let words = raw.count / 8
      for i in 0..<words { h = (h ^ raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)) &* prime }
      for i in (words * 8)..<raw.count { h = (h ^ UInt64(raw[i])) &* prime }
    }
    return h ^ UInt64(bytes.count)
  }
}

/// Little-endian writer of the format's primitives.
struct ByteWriter {
  var bytes: [UInt8] = []

  mutating func u8(_ v: UInt8) { bytes.append(v) }
  mutating func u16(_ v: UInt16) { bytes.append(UInt8(v & 0xff)); bytes.append(UInt8(v >> 8)) }
  mutating func u32(_ v: UInt32) { for i in 0..<4 { bytes.append(UInt8((v >> (8 * UInt32(i))) & 0xff)) } }
  mutating func u64(_ v: UInt64) { for i in 0..<8 { bytes.append(UInt8((v >> (8 * UInt64(i))) & 0xff)) } }
  mutating func string(_ s: String) {
    let u = Array(s.utf8)
    u32(UInt32(u.count))
    bytes.append(contentsOf: u)
  }
  mutating func u8(family: TableFamily) { u8(family == .ip ? 1 : family == .ip6 ? 2 : 3) }

  mutating func address(_ a: IPAddress) {
    switch a {
    case .v4(let v):
      u8(4)
      u32(v.value)
    case .v6(let v):
      u8(6)
      u64(v.high)
      u64(v.low)
    }
  }

  mutating func value(_ v: Value) {
    switch v {
    case .address(let a):
      u8(1)
      address(a)
    case .prefix(let p):
      u8(2)
      address(p.address)
      u8(UInt8(p.length))
    case .proto(let p):
      u8(3)
      u8(p.rawValue)
    case .port(let p):
      u8(4)
      u16(p)
    case .integer(let i):
      u8(5)
      u32(i)
    case .ctState(let c):
      u8(6)
      u32(c.rawValue)
    case .ctStatus(let c):
      u8(7)
      u32(c.rawValue)
    case .fibType(let f):
      u8(8)
      u32(f.rawValue)
    }
  }

  mutating func element(_ e: Element) {
    u8(UInt8(e.key.count))
    for v in e.key { value(v) }
    switch e.data {
    case nil: u8(0)
    case .verdict(let v)?:
      switch v {
      case .accept: u8(1)
      case .drop: u8(2)
      case .return_: u8(3)
      case .jump(let c):
        u8(4)
        string(c)
      case .goto(let c):
        u8(5)
        string(c)
      }
    case .object(let name)?:
      u8(7)
      string(name)
    case .values(let vs)?:
      u8(6)
      u8(UInt8(vs.count))
      for v in vs { value(v) }
    }
    if let c = e.comment {
      u8(1)
      string(c)
    } else {
      u8(0)
    }
  }
}

/// Reader of what `ByteWriter` wrote; every read is bounds-checked.
struct ByteReader {
  let bytes: [UInt8]
  let end: Int
  var offset: Int

  func truncated() -> SetStateFormatError { SetStateFormatError(reason: "cut short at byte \(offset)") }

  mutating func u8() throws -> UInt8 {
    guard offset < end else { throw truncated() }
    defer { offset += 1 }
    return bytes[offset]
  }
  mutating func u16() throws -> UInt16 {
    guard offset + 2 <= end else { throw truncated() }
    defer { offset += 2 }
    return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
  }
  mutating func u32() throws -> UInt32 {
    guard offset + 4 <= end else { throw truncated() }
    var v: UInt32 = 0
    for i in 0..<4 { v |= UInt32(bytes[offset + i]) << (8 * UInt32(i)) }
    offset += 4
    return v
  }
  mutating func u64() throws -> UInt64 {
    guard offset + 8 <= end else { throw truncated() }
    var v: UInt64 = 0
    for i in 0..<8 { v |= UInt64(bytes[offset + i]) << (8 * UInt64(i)) }
    offset += 8
    return v
  }
  mutating func string() throws -> String {
    let n = Int(try u32())
    guard n <= end - offset else { throw truncated() }
    defer { offset += n }
    return String(decoding: bytes[offset..<(offset + n)], as: UTF8.self)
  }
  mutating func family() throws -> TableFamily {
    switch try u8() {
    case 1: return .ip
    case 2: return .ip6
    case 3: return .inet
    case let f: throw SetStateFormatError(reason: "unknown table family \(f)")
    }
  }
  mutating func address() throws -> IPAddress {
    switch try u8() {
    case 4: return .v4(IPv4Address(try u32()))
    case 6: return .v6(IPv6Address(high: try u64(), low: try u64()))
    case let f: throw SetStateFormatError(reason: "unknown address family \(f) at byte \(offset)")
    }
  }
  mutating func value() throws -> Value {
    let tag = try u8()
    switch tag {
    case 1: return .address(try address())
    case 2:
      let a = try address()
      let length = Int(try u8())
      guard length <= (a.family == .v4 ? 32 : 128) else { throw SetStateFormatError(reason: "prefix length \(length) at byte \(offset)") }
      return .prefix(IPPrefix(address: a, length: length))
    case 3:
      let p = try u8()
      guard let proto = IPProto(rawValue: p) else { throw SetStateFormatError(reason: "unknown protocol \(p)") }
      return .proto(proto)
    case 4: return .port(try u16())
    case 5: return .integer(try u32())
    case 6:
      let v = try u32()
      guard let s = CtState(rawValue: v) else { throw SetStateFormatError(reason: "unknown ct state \(v)") }
      return .ctState(s)
    case 7:
      let v = try u32()
      guard let s = CtStatus(rawValue: v) else { throw SetStateFormatError(reason: "unknown ct status \(v)") }
      return .ctStatus(s)
    case 8:
      let v = try u32()
      guard let f = FibAddrType(rawValue: v) else { throw SetStateFormatError(reason: "unknown fib type \(v)") }
      return .fibType(f)
    default: throw SetStateFormatError(reason: "unknown value tag \(tag) at byte \(offset - 1)")
    }
  }
  mutating func element() throws -> Element {
    let keyCount = Int(try u8())
    var key: [Value] = []
    key.reserveCapacity(keyCount)
    for _ in 0..<keyCount { key.append(try value()) }
    let data: ElementData?
    let tag = try u8()
    switch tag {
    case 0: data = nil
    case 1: data = .verdict(.accept)
    case 2: data = .verdict(.drop)
    case 3: data = .verdict(.return_)
    case 4: data = .verdict(.jump(try string()))
    case 5: data = .verdict(.goto(try string()))
    case 6:
      let n = Int(try u8())
      var vs: [Value] = []
      vs.reserveCapacity(n)
      for _ in 0..<n { vs.append(try value()) }
      data = .values(vs)
    case 7: data = .object(try string())
    default: throw SetStateFormatError(reason: "unknown element data tag \(tag) at byte \(offset - 1)")
    }
    let comment: String? = try u8() == 0 ? nil : try string()
    return Element(key, data: data, comment: comment)
  }
}

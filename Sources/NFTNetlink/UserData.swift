// nft's user data blobs (libnftnl's `nftnl_udata` TLVs: one type byte, one length byte, the
// value): comments on tables, chains, rules and elements, and the type hints of sets.

/// A list of TLVs as nft stores them in NFTA_*_USERDATA.
public struct UserData: Sendable, Hashable {
  public var bytes: [UInt8] = []
  /// Set when a value longer than a TLV's one-byte length was put (the blob is then unusable).
  public private(set) var overflowed = false
  public init() {}
  public init(bytes: [UInt8]) { self.bytes = bytes }

  /// The kernel's NFT_USERDATA_MAXLEN: no user data blob may be longer.
  public static let maxLength = 256

  /// False if the blob cannot be sent: a value too long for its TLV, or too long in all.
  public var isValid: Bool { !overflowed && bytes.count <= Self.maxLength }

  private mutating func put(_ type: UInt8, _ value: [UInt8]) {
    if value.count > Int(UInt8.max) { overflowed = true }
    bytes += [type, UInt8(truncatingIfNeeded: value.count)] + value
  }

  /// The corresponding libnftnl call is `nftnl_udata_put_strz` (the NUL is part of the value).
  public mutating func putString(_ type: UInt8, _ s: String) {
    put(type, Array(s.utf8) + [0])
  }

  /// The corresponding libnftnl call is `nftnl_udata_put_u32` (host byte order).
  public mutating func putU32(_ type: UInt8, _ v: UInt32) {
    bytes += [type, 4] + ByteLayout.hostEndian32(v)
  }

  /// The corresponding libnftnl calls are `nftnl_udata_nest_start` / `nftnl_udata_nest_end`.
  public mutating func putNest(_ type: UInt8, _ inner: UserData) {
    if inner.overflowed { overflowed = true }
    put(type, inner.bytes)
  }

  /// The TLVs in order; parsing stops at the first truncated one.
  public var entries: [(type: UInt8, value: ArraySlice<UInt8>)] {
    var out: [(UInt8, ArraySlice<UInt8>)] = []
    var i = 0
    while i + 2 <= bytes.count {
      let len = Int(bytes[i + 1])
      guard i + 2 + len <= bytes.count else { break }
      out.append((bytes[i], bytes[(i + 2)..<(i + 2 + len)]))
      i += 2 + len
    }
    return out
  }

  /// The NUL-terminated string stored under `type`, if any.
  public func string(_ type: UInt8) -> String? {
    guard let v = entries.first(where: { $0.type == type })?.value else { return nil }
    let text = v.last == 0 ? v.dropLast() : v
    return String(decoding: text, as: UTF8.self)
  }

  /// Lends the blob `comment(c)` would hold, built on the stack.
  static func withComment<R>(_ c: String, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    var c = c
    return try c.withUTF8 { utf8 in
      try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: utf8.count + 3) { buf in
        buf[0] = 0
        buf[1] = UInt8(utf8.count + 1)
        _ = UnsafeMutableBufferPointer(rebasing: buf[2..<(2 + utf8.count)]).initialize(from: utf8)
        buf[utf8.count + 2] = 0
        return try body(UnsafeRawBufferPointer(buf))
      }
    }
  }

  /// A user data blob holding only a comment (tables, chains, rules, elements use type 0).
  public static func comment(_ c: String?) -> UserData? {
    guard let c else { return nil }
    var u = UserData()
    u.putString(0, c)
    return u
  }
}

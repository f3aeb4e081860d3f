// IPv4 and IPv6 addresses as plain values: strict parsing of the textual forms Kubernetes
// accepts, and canonical formatting (RFC 5952 for IPv6) identical to what `nft list` prints.

/// The address family of an IP address or prefix.
public enum IPFamily: String, Sendable, Hashable, CaseIterable, Comparable {
  case v4 = "IPv4"
  case v6 = "IPv6"

  public static func < (a: IPFamily, b: IPFamily) -> Bool { a == .v4 && b == .v6 }
}

/// An IPv4 address, stored in host order.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var value: UInt32
  public init(_ value: UInt32) { self.value = value }

  /// Parses dotted-quad notation; leading zeros are rejected as Kubernetes' strict validation
  /// does ("010.0.0.1" is ambiguous between octal and decimal), unless `allowingLeadingZeros`,
  /// which reads them as decimal, as Kubernetes' legacy fields and kube-proxy do (ParseIPSloppy).
  public init?(_ text: some StringProtocol) { self.init(text, allowingLeadingZeros: false) }

  @inlinable public init?(_ text: some StringProtocol, allowingLeadingZeros: Bool) {
    guard let value = IPAddressText.ipv4(String(text), allowingLeadingZeros: allowingLeadingZeros) else { return nil }
    self.init(value)
  }

  public var bytes: [UInt8] {
    [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
  }

  public var description: String {
    "\(value >> 24).\((value >> 16) & 0xff).\((value >> 8) & 0xff).\(value & 0xff)"
  }

  public var isLoopback: Bool { value >> 24 == 127 }
  public var isUnspecified: Bool { value == 0 }
  public var isMulticast: Bool { value >> 28 == 0xe }
  public var isLinkLocal: Bool { value >> 16 == 0xa9fe }
  /// 224.0.0.0/24 (Go's IsLinkLocalMulticast).
  public var isLinkLocalMulticast: Bool { value >> 8 == 0xe0_0000 }

  public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}

/// An IPv6 address, stored as two 64-bit halves in host order.
public struct IPv6Address: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var high: UInt64
  public var low: UInt64
  public init(high: UInt64, low: UInt64) {
    self.high = high
    self.low = low
  }

  public init(groups: [UInt16]) {
    precondition(groups.count == 8)
    var h: UInt64 = 0
    var l: UInt64 = 0
    for i in 0..<4 { h = h << 16 | UInt64(groups[i]) }
    for i in 4..<8 { l = l << 16 | UInt64(groups[i]) }
    high = h
    low = l
  }

  /// Parses RFC 4291 text (with `::` compression and an optional trailing dotted quad, whose
  /// leading zeros `allowingLeadingZeros` accepts as IPv4Address does).
  /// Zone identifiers (`%eth0`) are rejected: Kubernetes does not allow them.
  public init?(_ text: some StringProtocol) { self.init(text, allowingLeadingZeros: false) }

  @inlinable public init?(_ text: some StringProtocol, allowingLeadingZeros: Bool) {
    guard let (high, low) = IPAddressText.ipv6(String(text), allowingLeadingZeros: allowingLeadingZeros) else { return nil }
    self.init(high: high, low: low)
  }

  public var groups: [UInt16] {
    (0..<4).map { UInt16((high >> (48 - 16 * UInt64($0))) & 0xffff) }
      + (0..<4).map { UInt16((low >> (48 - 16 * UInt64($0))) & 0xffff) }
  }

  public var bytes: [UInt8] {
    (0..<8).map { UInt8((high >> (56 - 8 * UInt64($0))) & 0xff) }
      + (0..<8).map { UInt8((low >> (56 - 8 * UInt64($0))) & 0xff) }
  }

  /// RFC 5952 canonical text: lower-case hex, the longest run (≥ 2) of zero groups as `::`,
  /// IPv4-mapped addresses as `::ffff:a.b.c.d` (as inet_ntop and nft print them).
  public var description: String {
    let g = groups
    if high == 0 && (low >> 32) == 0xffff {
      return "::ffff:" + IPv4Address(UInt32(low & 0xffff_ffff)).description
    }
    var bestStart = -1
    var bestLen = 0
    var runStart = -1
    for idx in 0...8 {
      if idx < 8 && g[idx] == 0 {
        if runStart < 0 { runStart = idx }
      } else if runStart >= 0 {
        let len = idx - runStart
        if len > bestLen {
          bestLen = len
          bestStart = runStart
        }
        runStart = -1
      }
    }
    if bestLen < 2 { bestStart = -1 }
    var out = ""
    var idx = 0
    while idx < 8 {
      if idx == bestStart {
        out += "::"
        idx += bestLen
        continue
      }
      if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
      out += String(g[idx], radix: 16)
      idx += 1
    }
    return out
  }

  public var isLoopback: Bool { high == 0 && low == 1 }
  public var isUnspecified: Bool { high == 0 && low == 0 }

  /// The IPv4 address inside an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, RFC 4291 2.5.5.2); nil otherwise.
  public var mappedIPv4: IPv4Address? {
    high == 0 && low >> 32 == 0xffff ? IPv4Address(UInt32(low & 0xffff_ffff)) : nil
  }
  public var isMulticast: Bool { high >> 56 == 0xff }
  public var isLinkLocal: Bool { high >> 54 == 0x3fa }
  /// Multicast with link-local scope, ffX2::/16 (Go's IsLinkLocalMulticast).
  public var isLinkLocalMulticast: Bool { high >> 48 & 0xff0f == 0xff02 }

  public static func < (a: IPv6Address, b: IPv6Address) -> Bool {
    (a.high, a.low) < (b.high, b.low)
  }
}

/// An IPv4 or IPv6 address.
public enum IPAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
  case v4(IPv4Address)
  case v6(IPv6Address)

  /// Parses either family. IPv4-mapped IPv6 text ("::ffff:1.2.3.4") stays IPv6. With
  /// `allowingLeadingZeros`, IPv4 parts may have leading zeros (read as decimal).
  public init?(_ text: some StringProtocol) { self.init(text, allowingLeadingZeros: false) }

  @inlinable public init?(_ text: some StringProtocol, allowingLeadingZeros: Bool) {
    let text = String(text)
    if IPAddressText.hasColon(text) {
      guard let a = IPv6Address(text, allowingLeadingZeros: allowingLeadingZeros) else { return nil }
      self = .v6(a)
    } else {
      guard let a = IPv4Address(text, allowingLeadingZeros: allowingLeadingZeros) else { return nil }
      self = .v4(a)
    }
  }

  /// Parses either family as kube-proxy reads the IPs of Kubernetes' legacy IP fields (cluster,
  /// external, load-balancer, pod, endpoint and node IPs: `netutils.ParseIPSloppy` then `To4`):
  /// an IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is the IPv4 address it maps, and leading
  /// zeros are decimal (`010.0.0.1` is 10.0.0.1). Both were accepted by API servers before strict
  /// IP validation and are kept by its ratcheting. Anything else is as strict as `init?(_:)`.
  @inlinable public init?(kubernetes text: some StringProtocol) {
    guard let address = IPAddress(text, allowingLeadingZeros: true) else { return nil }
    self = address.unmapped
  }

  /// This address with an IPv4-mapped IPv6 address replaced by its IPv4 address.
  public var unmapped: IPAddress {
    if case .v6(let a) = self, let v4 = a.mappedIPv4 { return .v4(v4) }
    return self
  }

  public var family: IPFamily {
    switch self {
    case .v4: .v4
    case .v6: .v6
    }
  }

  public var bytes: [UInt8] {
    switch self {
    case .v4(let a): a.bytes
    case .v6(let a): a.bytes
    }
  }

  public var description: String {
    switch self {
    case .v4(let a): a.description
    case .v6(let a): a.description
    }
  }

  public var isLoopback: Bool {
    switch self {
    case .v4(let a): a.isLoopback
    case .v6(let a): a.isLoopback
    }
  }

  public var isUnspecified: Bool {
    switch self {
    case .v4(let a): a.isUnspecified
    case .v6(let a): a.isUnspecified
    }
  }

  public static func < (a: IPAddress, b: IPAddress) -> Bool {
    switch (a, b) {
    case (.v4(let x), .v4(let y)): x < y
    case (.v6(let x), .v6(let y)): x < y
    case (.v4, .v6): true
    case (.v6, .v4): false
    }
  }
}

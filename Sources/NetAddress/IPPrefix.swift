// CIDR prefixes ("10.0.0.0/8", "fd00::/64"): parsing (host bits must be zero unless told
// otherwise), containment, and the masked form nft prints.

/// An IP prefix: a network address and a prefix length.
public struct IPPrefix: Sendable, Hashable, Comparable, CustomStringConvertible {
  public let address: IPAddress
  public let length: Int

  /// Creates a prefix, clearing host bits.
  public init(address: IPAddress, length: Int) {
    precondition(length >= 0 && length <= (address.family == .v4 ? 32 : 128))
    self.address = IPPrefix.mask(address, length)
    self.length = length
  }

  /// Parses "ADDR/LEN". With `strict`, host bits must be zero (as Kubernetes requires for
  /// service CIDRs); otherwise they are cleared. `allowingLeadingZeros` accepts them in IPv4
  /// parts and in the length, read as decimal (Kubernetes' legacy CIDR fields).
  public init?(_ text: some StringProtocol, strict: Bool = false) { self.init(text, strict: strict, allowingLeadingZeros: false) }

  public init?(_ text: some StringProtocol, strict: Bool = false, allowingLeadingZeros: Bool) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let addr = IPAddress(parts[0], allowingLeadingZeros: allowingLeadingZeros),
      !parts[1].isEmpty, parts[1].utf8.count <= (allowingLeadingZeros ? 32 : 3),
      parts[1].utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }),
      let len = Int(parts[1])
    else { return nil }
    let maxLen = addr.family == .v4 ? 32 : 128
    guard len <= maxLen else { return nil }
    if parts[1].count > 1 && parts[1].hasPrefix("0") && !allowingLeadingZeros { return nil }
    let masked = IPPrefix.mask(addr, len)
    if strict && masked != addr { return nil }
    self.address = masked
    self.length = len
  }

  public var family: IPFamily { address.family }

  /// How Kubernetes components read a CIDR (Go's `net.ParseCIDR`, whose IPv4-mapped network
  /// prints and compares as IPv4): `::ffff:a.b.c.d/N` is `a.b.c.d/(N-96)`.
  public enum KubernetesParse: Sendable, Hashable {
    case prefix(IPPrefix)
    /// Not a CIDR at all.
    case invalid
    /// Valid except for `strict`: host bits are set; `masked` is the prefix with them cleared.
    case hostBitsSet(masked: IPPrefix)
    /// Valid except for `strict`: leading zeros in the address or the length.
    case leadingZeros(canonical: IPPrefix)
    /// An IPv4-mapped IPv6 CIDR whose length (< 96) cuts into the `::ffff:` part.
    case mappedPrefixTooShort(length: Int)
  }

  /// Parses "ADDR/LEN" as Kubernetes does (see `KubernetesParse`). With `strict` (the current
  /// API's form, e.g. ServiceCIDR), host bits must be zero and leading zeros are refused; without,
  /// the legacy form (loadBalancerSourceRanges): host bits are cleared, leading zeros are decimal.
  public static func parseKubernetes(_ text: some StringProtocol, strict: Bool) -> KubernetesParse {
    guard var prefix = IPPrefix(text, allowingLeadingZeros: true) else { return .invalid }
    let slash = text.lastIndex(of: "/")!
    var exact = IPAddress(text[..<slash], allowingLeadingZeros: true)!
    if case .v6(let a) = exact, let v4 = a.mappedIPv4 {
      guard prefix.length >= 96 else { return .mappedPrefixTooShort(length: prefix.length) }
      exact = .v4(v4)
      prefix = IPPrefix(address: exact, length: prefix.length - 96)
    }
    if strict && IPPrefix(text) == nil { return .leadingZeros(canonical: prefix) }
    if strict && prefix.address != exact { return .hostBitsSet(masked: prefix) }
    return .prefix(prefix)
  }

  public var description: String { "\(address)/\(length)" }

  /// True if `ip` lies inside this prefix (false for the other family).
  public func contains(_ ip: IPAddress) -> Bool {
    guard ip.family == family else { return false }
    return IPPrefix.mask(ip, length) == address
  }

  /// The last address of the prefix.
  public var lastAddress: IPAddress {
    switch address {
    case .v4(let a):
      let hostMask: UInt32 = length == 0 ? .max : (length == 32 ? 0 : (UInt32.max >> UInt32(length)))
      return .v4(IPv4Address(a.value | hostMask))
    case .v6(let a):
      let (hm, lm) = IPPrefix.v6HostMask(length)
      return .v6(IPv6Address(high: a.high | hm, low: a.low | lm))
    }
  }

  static func v6HostMask(_ length: Int) -> (UInt64, UInt64) {
    if length <= 0 { return (.max, .max) }
    if length < 64 { return (UInt64.max >> UInt64(length), .max) }
    if length == 64 { return (0, .max) }
    if length < 128 { return (0, UInt64.max >> UInt64(length - 64)) }
    return (0, 0)
  }

  static func mask(_ ip: IPAddress, _ length: Int) -> IPAddress {
    switch ip {
    case .v4(let a):
      let m: UInt32 = length == 0 ? 0 : UInt32.max << UInt32(32 - length)
      return .v4(IPv4Address(a.value & m))
    case .v6(let a):
      let (hm, lm) = v6HostMask(length)
      return .v6(IPv6Address(high: a.high & ~hm, low: a.low & ~lm))
    }
  }

  public static func < (a: IPPrefix, b: IPPrefix) -> Bool {
    (a.address, a.length) < (b.address, b.length)
  }
}

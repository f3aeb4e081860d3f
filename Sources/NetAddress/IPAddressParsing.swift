// Reads the textual forms of IP addresses straight from UTF-8 bytes, building no strings or
// arrays: dotted quads (leading zeros refused, or read as decimal) and RFC 4291 IPv6 text.

/// The byte-level parsers behind `IPv4Address`, `IPv6Address` and `IPAddress` text initializers.
@usableFromInline enum IPAddressText {
  private static let dot = UInt8(ascii: "."), colon = UInt8(ascii: ":"), zero = UInt8(ascii: "0")

  /// True when the text holds a colon (so it can only be IPv6).
  @usableFromInline static func hasColon(_ text: String) -> Bool {
    let bytes = text.utf8.span
    for offset in bytes.indices where bytes[offset] == colon { return true }
    return false
  }

  /// A dotted quad, as `IPv4Address.init?(_:allowingLeadingZeros:)` documents it.
  @usableFromInline static func ipv4(_ text: String, allowingLeadingZeros: Bool) -> UInt32? {
    let bytes = text.utf8.span
    return ipv4(bytes, 0..<bytes.count, allowingLeadingZeros: allowingLeadingZeros)
  }

  /// A dotted quad in `bytes[range]`: four decimal parts 0-255; a part with a leading zero is
  /// refused unless `allowingLeadingZeros` (then it has at most 32 digits).
  static func ipv4(_ bytes: Span<UInt8>, _ range: Range<Int>, allowingLeadingZeros: Bool) -> UInt32? {
    var value: UInt32 = 0
    var parts = 0
    var current: UInt32 = 0
    var digits = 0
    var leadingZero = false
    for offset in range {
      let byte = bytes[offset]
      if byte == dot {
        guard digits > 0, parts < 3 else { return nil }
        value = value << 8 | current
        parts += 1
        current = 0
        digits = 0
        leadingZero = false
      } else if byte >= zero && byte <= UInt8(ascii: "9") {
        if digits == 1 && leadingZero && !allowingLeadingZeros { return nil }
        if digits == 0 && byte == zero { leadingZero = true }
        current = current * 10 + UInt32(byte - zero)
        digits += 1
        guard digits <= (allowingLeadingZeros ? 32 : 3), current <= 255 else { return nil }
      } else {
        return nil
      }
    }
    guard digits > 0, parts == 3 else { return nil }
    return value << 8 | current
  }

  /// RFC 4291 text, as `IPv6Address.init?(_:allowingLeadingZeros:)` documents it: eight groups
  /// of 1-4 hex digits, or fewer around one `::`; the last two may be a dotted quad.
  @usableFromInline static func ipv6(_ text: String, allowingLeadingZeros: Bool) -> (high: UInt64, low: UInt64)? {
    let bytes = text.utf8.span
    let count = bytes.count
    guard count >= 2, count <= (allowingLeadingZeros ? 128 : 45) else { return nil }
    var groups = InlineArray<8, UInt16>(repeating: 0)
    var compression: Int?
    for offset in 0..<(count - 1) where bytes[offset] == colon && bytes[offset + 1] == colon {
      compression = offset
      break
    }
    if let compression {
      let tailStart = compression + 2
      // The tail holds no second `::` and does not start with `:` (`:::`).
      if tailStart < count && bytes[tailStart] == colon { return nil }
      if tailStart + 1 < count {
        for offset in tailStart..<(count - 1) where bytes[offset] == colon && bytes[offset + 1] == colon { return nil }
      }
      var tail = InlineArray<8, UInt16>(repeating: 0)
      guard let headCount = parseGroups(bytes, 0..<compression, dottedQuadLast: false, allowingLeadingZeros, into: &groups),
        let tailCount = parseGroups(bytes, tailStart..<count, dottedQuadLast: true, allowingLeadingZeros, into: &tail),
        headCount + tailCount <= 7
      else { return nil }
      for index in 0..<tailCount { groups[8 - tailCount + index] = tail[index] }
    } else {
      guard let all = parseGroups(bytes, 0..<count, dottedQuadLast: true, allowingLeadingZeros, into: &groups), all == 8 else {
        return nil
      }
    }
    var high: UInt64 = 0
    var low: UInt64 = 0
    for index in 0..<4 { high = high << 16 | UInt64(groups[index]) }
    for index in 4..<8 { low = low << 16 | UInt64(groups[index]) }
    return (high, low)
  }

  /// The `:`-separated groups of `bytes[range]` stored from `groups[0]`; their number, or nil when
  /// a group is not 1-4 hex digits or there are more than 8. With `dottedQuadLast`, a last group
  /// with a dot is a dotted quad (two groups). An empty range has no groups.
  private static func parseGroups(
    _ bytes: Span<UInt8>, _ range: Range<Int>, dottedQuadLast: Bool, _ allowingLeadingZeros: Bool,
    into groups: inout InlineArray<8, UInt16>
  ) -> Int? {
    if range.isEmpty { return 0 }
    var count = 0
    var start = range.lowerBound
    while true {
      var end = start
      var hasDot = false
      while end < range.upperBound && bytes[end] != colon {
        if bytes[end] == dot { hasDot = true }
        end += 1
      }
      let isLast = end == range.upperBound
      if dottedQuadLast && isLast && hasDot {
        guard count <= 6, let quad = ipv4(bytes, start..<end, allowingLeadingZeros: allowingLeadingZeros) else { return nil }
        groups[count] = UInt16(quad >> 16)
        groups[count + 1] = UInt16(quad & 0xffff)
        return count + 2
      }
      guard count < 8, end > start, end - start <= 4 else { return nil }
      var group: UInt16 = 0
      for offset in start..<end {
        guard let digit = hexDigit(bytes[offset]) else { return nil }
        group = group << 4 | UInt16(digit)
      }
      groups[count] = group
      count += 1
      if isLast { return count }
      start = end + 1
    }
  }

  private static func hexDigit(_ byte: UInt8) -> UInt8? {
    switch byte {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}

// Yes/no forms of NameSyntax's checks over the UTF-8 bytes, allocating nothing: names are
// checked once per object, so valid ones take this path and only invalid ones build a reason.

/// True when a name is valid; each agrees with the NameSyntax check of the same name returning nil.
enum ValidName {
  private static let dash = UInt8(ascii: "-"), dot = UInt8(ascii: "."), slash = UInt8(ascii: "/")

  /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?` in `bytes[range]`, of any length.
  private static func isLabel(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
    guard !range.isEmpty, NameSyntax.isLowerAlnum(bytes[range.lowerBound]), NameSyntax.isLowerAlnum(bytes[range.upperBound - 1])
    else { return false }
    for offset in range where !NameSyntax.isLowerAlnum(bytes[offset]) && bytes[offset] != dash { return false }
    return true
  }

  /// Dot-separated labels in `bytes[range]`, 1-253 bytes.
  private static func isSubdomain(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
    guard !range.isEmpty, range.count <= 253 else { return false }
    var start = range.lowerBound
    for offset in range where bytes[offset] == dot {
      guard isLabel(bytes, start..<offset) else { return false }
      start = offset + 1
    }
    return isLabel(bytes, start..<range.upperBound)
  }

  /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]` in `bytes[range]`, 1-63 bytes.
  private static func isQualifiedNamePart(_ bytes: Span<UInt8>, _ range: Range<Int>) -> Bool {
    guard !range.isEmpty, range.count <= 63, NameSyntax.isAlnum(bytes[range.lowerBound]), NameSyntax.isAlnum(bytes[range.upperBound - 1])
    else { return false }
    for offset in range where !NameSyntax.isQualifiedNameByte(bytes[offset]) { return false }
    return true
  }

  static func isDNS1035Label(_ text: String) -> Bool {
    let bytes = text.utf8.span
    return bytes.count <= 63 && isLabel(bytes, 0..<bytes.count) && NameSyntax.isLower(bytes[0])
  }

  static func isDNS1123Label(_ text: String) -> Bool {
    let bytes = text.utf8.span
    return bytes.count <= 63 && isLabel(bytes, 0..<bytes.count)
  }

  static func isDNS1123Subdomain(_ text: String) -> Bool {
    let bytes = text.utf8.span
    return isSubdomain(bytes, 0..<bytes.count)
  }

  static func isLabelValue(_ text: String) -> Bool {
    let bytes = text.utf8.span
    return bytes.isEmpty || isQualifiedNamePart(bytes, 0..<bytes.count)
  }

  /// An optional subdomain prefix and `/`, then a qualified name part.
  static func isQualifiedName(_ text: String) -> Bool {
    let bytes = text.utf8.span
    var slashAt: Int?
    for offset in bytes.indices where bytes[offset] == slash {
      if slashAt != nil { return false }
      slashAt = offset
    }
    guard let slashAt else { return isQualifiedNamePart(bytes, 0..<bytes.count) }
    return isSubdomain(bytes, 0..<slashAt) && isQualifiedNamePart(bytes, (slashAt + 1)..<bytes.count)
  }
}

// Kubernetes name syntaxes (DNS-1035/1123 labels, DNS-1123 subdomains, IANA service names,
// label keys and values). These are kproxy's guard against nft-syntax injection through names.

/// The name grammars the Kubernetes API server enforces, as "what is wrong" checks:
/// each returns nil when the text is valid, else the reason.
enum NameSyntax {
  static func isLower(_ byte: UInt8) -> Bool { byte >= 97 && byte <= 122 }
  private static func isUpper(_ byte: UInt8) -> Bool { byte >= 65 && byte <= 90 }
  private static func isDigit(_ byte: UInt8) -> Bool { byte >= 48 && byte <= 57 }
  static func isLowerAlnum(_ byte: UInt8) -> Bool { isLower(byte) || isDigit(byte) }
  static func isAlnum(_ byte: UInt8) -> Bool { isLower(byte) || isUpper(byte) || isDigit(byte) }
  private static let dash = UInt8(ascii: "-")

  /// `[a-z]([-a-z0-9]*[a-z0-9])?`, at most 63 characters (Service names).
  static func dns1035LabelProblem(_ text: String) -> String? {
    ValidName.isDNS1035Label(text) ? nil : dns1035LabelProblemInFull(text)
  }

  /// `dns1035LabelProblem` without the allocation-free check of valid names first (tests check both agree).
  static func dns1035LabelProblemInFull(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    if bytes.isEmpty { return "must not be empty" }
    if bytes.count > 63 { return "must be no more than 63 characters (DNS-1035 label), got \(bytes.count)" }
    guard isLower(bytes[0]), isLowerAlnum(bytes[bytes.count - 1]), bytes.allSatisfy({ isLowerAlnum($0) || $0 == dash }) else {
      return "must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"
    }
    return nil
  }

  /// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`, at most 63 characters (namespaces, port names).
  static func dns1123LabelProblem(_ text: String) -> String? {
    ValidName.isDNS1123Label(text) ? nil : dns1123LabelProblemInFull(text)
  }

  /// `dns1123LabelProblem` without the allocation-free check of valid names first (tests check both agree).
  static func dns1123LabelProblemInFull(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    if bytes.isEmpty { return "must not be empty" }
    if bytes.count > 63 { return "must be no more than 63 characters (DNS-1123 label), got \(bytes.count)" }
    guard isLabel(bytes[...]) else {
      return "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending with a letter or digit"
    }
    return nil
  }

  /// Dot-separated DNS-1123 labels, at most 253 characters (most object names).
  static func dns1123SubdomainProblem(_ text: String) -> String? {
    ValidName.isDNS1123Subdomain(text) ? nil : dns1123SubdomainProblemInFull(text)
  }

  /// `dns1123SubdomainProblem` without the allocation-free check of valid names first (tests check both agree).
  static func dns1123SubdomainProblemInFull(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    if bytes.isEmpty { return "must not be empty" }
    if bytes.count > 253 { return "must be no more than 253 characters (DNS-1123 subdomain), got \(bytes.count)" }
    guard bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false).allSatisfy(isLabel) else {
      return
        "must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
    }
    return nil
  }

  static func isQualifiedNameByte(_ byte: UInt8) -> Bool {
    isAlnum(byte) || byte == dash || byte == UInt8(ascii: "_") || byte == UInt8(ascii: ".")
  }

  private static func isLabel(_ bytes: ArraySlice<UInt8>) -> Bool {
    guard let first = bytes.first, let last = bytes.last else { return false }
    return isLowerAlnum(first) && isLowerAlnum(last) && bytes.allSatisfy { isLowerAlnum($0) || $0 == dash }
  }

  /// IANA_SVC_NAME: at most 15 characters of `[a-z0-9-]`, starting and ending with a letter or
  /// digit, at least one letter, no `--` (container port names, named targetPorts).
  static func ianaServiceNameProblem(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    if bytes.isEmpty { return "must not be empty" }
    if bytes.count > 15 { return "must be no more than 15 characters (IANA_SVC_NAME), got \(bytes.count)" }
    guard isLabel(bytes[...]) else {
      return "must be an IANA_SVC_NAME: lower-case letters, digits and '-', starting and ending with a letter or digit"
    }
    if !bytes.contains(where: isLower) { return "must contain at least one letter (IANA_SVC_NAME)" }
    if text.contains("--") { return "must not contain consecutive hyphens (IANA_SVC_NAME)" }
    return nil
  }

  /// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`, at most 63 characters; empty allowed (label values).
  static func labelValueProblem(_ text: String) -> String? {
    ValidName.isLabelValue(text) ? nil : labelValueProblemInFull(text)
  }

  /// `labelValueProblem` without the allocation-free check of valid names first (tests check both agree).
  static func labelValueProblemInFull(_ text: String) -> String? {
    let bytes = Array(text.utf8)
    if bytes.isEmpty { return nil }
    if bytes.count > 63 { return "must be no more than 63 characters, got \(bytes.count)" }
    guard isQualifiedNamePart(bytes[...]) else {
      return "must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    }
    return nil
  }

  /// A label or annotation key: an optional DNS-1123-subdomain prefix and '/', then a name of at
  /// most 63 characters of `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`.
  static func qualifiedNameProblem(_ text: String) -> String? {
    ValidName.isQualifiedName(text) ? nil : qualifiedNameProblemInFull(text)
  }

  /// `qualifiedNameProblem` without the allocation-free check of valid names first (tests check both agree).
  static func qualifiedNameProblemInFull(_ text: String) -> String? {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    if parts.count > 2 { return "must be a name with an optional DNS subdomain prefix and '/', e.g. \"example.com/my-name\"" }
    if parts.count == 2 {
      if parts[0].isEmpty { return "prefix before '/' must not be empty" }
      if let problem = dns1123SubdomainProblem(String(parts[0])) { return "prefix \(problem)" }
    }
    let name = Array(parts[parts.count - 1].utf8)
    if name.isEmpty { return "name part must not be empty" }
    if name.count > 63 { return "name part must be no more than 63 characters, got \(name.count)" }
    guard isQualifiedNamePart(name[...]) else {
      return "name part must consist of letters, digits, '-', '_' or '.', starting and ending with a letter or digit"
    }
    return nil
  }

  private static func isQualifiedNamePart(_ bytes: ArraySlice<UInt8>) -> Bool {
    guard let first = bytes.first, let last = bytes.last else { return false }
    return isAlnum(first) && isAlnum(last) && bytes.allSatisfy(isQualifiedNameByte)
  }
}

extension FieldReader {
  /// Reads a string field, which must satisfy `problem` (a NameSyntax check).
  func checked(_ text: String, as what: String, _ problem: (String) -> String?) throws(FieldError) -> String {
    if let reason = problem(text) { throw invalid("\(quoted(text)) is not a valid \(what): \(reason)") }
    return text
  }
}

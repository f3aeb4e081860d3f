// Typed readers for the value kinds many objects share: ports, protocols, IPs, CIDRs and
// string enums, each failing with a message that names the bad value and the rule.
import NetAddress

extension FieldReader {
  /// This node as a port number 1-65535.
  func asPort() throws(FieldError) -> Int {
    let value = try asInt()
    guard (1...65535).contains(value) else { throw invalid("\(value) is not a valid port (must be 1-65535)") }
    return value
  }

  /// An optional port field where 0 or absence mean "unset" (nodePort, healthCheckNodePort).
  func optionalPort(_ key: String) throws(FieldError) -> Int {
    guard let field = try optional(key) else { return 0 }
    let value = try field.asInt()
    guard (0...65535).contains(value) else { throw field.invalid("\(value) is not a valid port (must be 1-65535, or 0 for unset)") }
    return value
  }

  /// A `protocol` field: exactly TCP, UDP or SCTP; TCP when absent.
  func l4Protocol(_ key: String = "protocol") throws(FieldError) -> L4Protocol {
    try enumeration(key, default: L4Protocol.tcp)
  }

  /// A string field that must be one of an enum's raw values; `default` when absent.
  func enumeration<Value: StringEnumField>(_ key: String, default fallback: Value) throws(FieldError) -> Value {
    if let (tape, member) = try tapeLeaf(key) {
      guard let member else { return fallback }
      if tape[member].kind == .string, let value = Value(rawValue: tape.string(member)) { return value }
    }
    guard let field = try optional(key) else { return fallback }
    return try field.asEnumeration(Value.self)
  }

  /// This node as one of an enum's raw values.
  func asEnumeration<Value: StringEnumField>(_ type: Value.Type) throws(FieldError) -> Value {
    let text = try asString()
    guard let value = Value(rawValue: text) else {
      let allowed = Value.accepted.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
      throw invalid("\(quoted(text)) is not supported (must be one of \(allowed))")
    }
    return value
  }

  /// This node as an IP address of a legacy IP field, read as kube-proxy reads it: an IPv4-mapped
  /// IPv6 address (`::ffff:1.2.3.4`) is the IPv4 address, leading zeros are decimal.
  func asIPAddress() throws(FieldError) -> IPAddress {
    let text = try asString()
    guard let address = IPAddress(kubernetes: text) else { throw invalid("\(quoted(text)) is not a valid IP address") }
    return address
  }

  /// This node as a CIDR; with `strict` (the current API's form), host bits must be zero and
  /// leading zeros are refused; otherwise (legacy fields) host bits are cleared and leading zeros
  /// are decimal. An IPv4-mapped IPv6 CIDR (`::ffff:10.0.0.0/104`) is the IPv4 CIDR (`10.0.0.0/8`).
  func asIPPrefix(strict: Bool) throws(FieldError) -> IPPrefix {
    try ipPrefix(try asString(), strict: strict)
  }

  /// `text` (this node's value, perhaps trimmed) as a CIDR, failing on this node.
  func ipPrefix(_ text: String, strict: Bool) throws(FieldError) -> IPPrefix {
    switch IPPrefix.parseKubernetes(text, strict: strict) {
    case .prefix(let prefix):
      return prefix
    case .invalid:
      throw invalid("\(quoted(text)) is not a valid CIDR")
    case .hostBitsSet(let masked):
      throw invalid("\(quoted(text)) is not a valid CIDR: host bits must be zero (did you mean \"\(masked)\"?)")
    case .leadingZeros(let canonical):
      throw invalid("\(quoted(text)) is not a valid CIDR: leading zeros are not allowed (did you mean \"\(canonical)\"?)")
    case .mappedPrefixTooShort(let length):
      throw invalid(
        "\(quoted(text)) is not a valid CIDR: an IPv4-mapped IPv6 CIDR is read as IPv4 and needs a prefix length of 96 or more, got \(length)"
      )
    }
  }

  /// A list of IPs or CIDRs; at most two, and two must be of different families ("dual-stack").
  func checkDualStack(_ families: [IPFamily], what: String) throws(FieldError) {
    if families.count > 2 { throw invalid("at most 2 \(what) may be given (one per IP family), got \(families.count)") }
    if families.count == 2 && families[0] == families[1] {
      throw invalid("2 \(what) must be of different IP families (one IPv4 and one IPv6), got two \(families[0].rawValue)")
    }
  }
}

/// A Kubernetes string enum field: the values it accepts, in the order error messages list them.
protocol StringEnumField: RawRepresentable where RawValue == String {
  static var accepted: [Self] { get }
}

extension L4Protocol: StringEnumField { static var accepted: [L4Protocol] { allCases } }
extension IPFamily: StringEnumField { static var accepted: [IPFamily] { allCases } }
extension ServiceType: StringEnumField { static var accepted: [ServiceType] { [.clusterIP, .nodePort, .loadBalancer, .externalName] } }
extension TrafficPolicy: StringEnumField { static var accepted: [TrafficPolicy] { [.cluster, .local] } }
extension SessionAffinity: StringEnumField { static var accepted: [SessionAffinity] { [.none, .clientIP] } }
extension AddressType: StringEnumField { static var accepted: [AddressType] { [.ipv4, .ipv6, .fqdn] } }
extension LoadBalancerIPMode: StringEnumField { static var accepted: [LoadBalancerIPMode] { [.vip, .proxy] } }
extension ContainerRestartPolicy: StringEnumField {
  static var accepted: [ContainerRestartPolicy] { [.always, .onFailure, .never] }
}
extension PodPhase: StringEnumField { static var accepted: [PodPhase] { [.pending, .running, .succeeded, .failed, .unknown] } }

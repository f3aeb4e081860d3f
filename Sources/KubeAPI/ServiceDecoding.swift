// Decodes and validates a v1 Service as the API server would: type, cluster IPs and families,
// ports, selector, external and load-balancer addresses, affinity and traffic policies.
import NetAddress

extension Service {
  static func decode(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> Service {
    if let service = try decodeInOnePass(object, meta: meta) { return service }
    let spec = try object.required("spec")
    var service = Service(meta: meta)
    service.type = try spec.enumeration("type", default: ServiceType.clusterIP)
    try service.decodeClusterIPs(spec)
    service.ports = try ServicePort.decodeAll(spec)
    if service.ports.isEmpty && !service.isHeadless && service.type != .externalName {
      throw .invalid(
        field: spec.childPath("ports"), reason: "at least one port is required (unless the service is headless or of type ExternalName)")
    }
    service.selector = try spec.labelMap("selector").flatMap { $0.isEmpty ? nil : $0 }
    for (_, reader) in try spec.stringList("externalIPs") { service.externalIPs.append(try reader.asExternalIP()) }
    for ingress in try object.list("status.loadBalancer.ingress") {
      let ipMode = try ingress.optional("ipMode")?.asEnumeration(LoadBalancerIPMode.self)
      guard let ip = try ingress.optional("ip") else {
        if ipMode != nil { throw .invalid(field: ingress.childPath("ipMode"), reason: "may not be set when ip is not set") }
        continue
      }
      service.loadBalancerIngress.append(LoadBalancerIngress(ip: try ip.asIPAddress(), ipMode: ipMode))
    }
    for (text, reader) in try spec.stringList("loadBalancerSourceRanges") {
      // The API server validates and kube-proxy uses each entry with surrounding white space trimmed.
      let trimmed = String(text.drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
      service.loadBalancerSourceRanges.append(try reader.ipPrefix(trimmed, strict: false))
    }
    service.sessionAffinity = try spec.enumeration("sessionAffinity", default: SessionAffinity.none)
    if let timeout = try spec.optional("sessionAffinityConfig.clientIP.timeoutSeconds") {
      let seconds = try timeout.asInt()
      guard (1...86400).contains(seconds) else { throw timeout.invalid("\(seconds) is not a valid timeout (must be 1-86400 seconds)") }
      service.affinityTimeoutSeconds = seconds
    }
    service.externalTrafficPolicy = try spec.enumeration("externalTrafficPolicy", default: TrafficPolicy.cluster)
    service.internalTrafficPolicy = try spec.enumeration("internalTrafficPolicy", default: TrafficPolicy.cluster)
    service.healthCheckNodePort = try spec.optionalPort("healthCheckNodePort")
    if service.type == .externalName { service.externalName = try spec.externalName() }
    service.trafficDistribution = try spec.optional("trafficDistribution")?.asEnumeration(TrafficDistribution.self)
    return service
  }

  /// `spec.clusterIP`, `spec.clusterIPs` and `spec.ipFamilies`, checked against each other.
  private mutating func decodeClusterIPs(_ spec: FieldReader) throws(FieldError) {
    let clusterIPField = try spec.optional("clusterIP")
    let clusterIP = try clusterIPField?.asString() ?? ""
    let listed = try spec.stringList("clusterIPs")
    if let first = listed.first, !clusterIP.isEmpty, first.text != clusterIP {
      throw first.reader.invalid("\(quoted(first.text)) must be equal to spec.clusterIP \(quoted(clusterIP))")
    }
    if clusterIP == "None" || listed.first?.text == "None" {
      if listed.count > 1 { throw listed[1].reader.invalid("no other IP may be given when spec.clusterIPs[0] is \"None\"") }
      isHeadless = true
    } else if !listed.isEmpty {
      for (_, reader) in listed { clusterIPs.append(try reader.asIPAddress()) }
      try spec.required("clusterIPs").checkDualStack(clusterIPs.map(\.family), what: "cluster IPs")
    } else if let clusterIPField, !clusterIP.isEmpty {
      clusterIPs = [try clusterIPField.asIPAddress()]
    }
    for (_, reader) in try spec.stringList("ipFamilies") { ipFamilies.append(try reader.asEnumeration(IPFamily.self)) }
    if !ipFamilies.isEmpty { try spec.required("ipFamilies").checkDualStack(ipFamilies, what: "IP families") }
    for (index, (ip, family)) in zip(clusterIPs, ipFamilies).enumerated() where ip.family != family {
      throw .invalid(
        field: spec.childPath("clusterIPs[\(index)]"),
        reason: "\(ip) is \(ip.family.rawValue) but spec.ipFamilies[\(index)] is \(family.rawValue)")
    }
    if type == .externalName && (isHeadless || !clusterIPs.isEmpty) {
      throw .invalid(field: spec.childPath("clusterIP"), reason: "must not be set for a service of type ExternalName")
    }
  }
}

extension ServicePort {
  /// `spec.ports[]`: names required and unique when there are several, (port, protocol) unique.
  static func decodeAll(_ spec: FieldReader) throws(FieldError) -> [ServicePort] {
    let readers = try spec.list("ports")
    var ports: [ServicePort] = []
    for reader in readers {
      let port = try decode(reader)
      if readers.count > 1 && port.name.isEmpty {
        throw .invalid(field: reader.childPath("name"), reason: "a name is required when a service has more than one port")
      }
      if let earlier = ports.firstIndex(where: { !port.name.isEmpty && $0.name == port.name }) {
        throw .invalid(field: reader.childPath("name"), reason: "\(quoted(port.name)) is already used by spec.ports[\(earlier)]")
      }
      if let earlier = ports.firstIndex(where: { $0.port == port.port && $0.protocol_ == port.protocol_ }) {
        throw reader.invalid("port \(port.port)/\(port.protocol_.rawValue) is already used by spec.ports[\(earlier)]")
      }
      ports.append(port)
    }
    return ports
  }

  static func decode(_ reader: FieldReader) throws(FieldError) -> ServicePort {
    var port = ServicePort(port: 0)
    if let nameField = try reader.optional("name") {
      port.name = try nameField.asString()
      if !port.name.isEmpty { _ = try nameField.checked(port.name, as: "port name", NameSyntax.dns1123LabelProblem) }
    }
    port.protocol_ = try reader.l4Protocol()
    port.port = try reader.required("port").asPort()
    port.targetPort = try reader.optional("targetPort")?.asTargetPort()
    port.nodePort = try reader.optionalPort("nodePort")
    return port
  }
}

extension FieldReader {
  /// A targetPort / named port reference: 1-65535 or an IANA_SVC_NAME; 0 and "" mean "same as port".
  func asTargetPort() throws(FieldError) -> IntOrString? {
    switch try asIntOrString() {
    case .int(0), .string(""): return nil
    case .int(let number):
      guard (1...65535).contains(number) else { throw invalid("\(number) is not a valid port (must be 1-65535)") }
      return .int(number)
    case .string(let name):
      return .string(try checked(name, as: "port name", NameSyntax.ianaServiceNameProblem))
    }
  }

  /// An `externalIPs` entry: a valid IP that is not unspecified, loopback, link-local or
  /// link-local multicast (the API server's ValidateNonSpecialIP).
  func asExternalIP() throws(FieldError) -> IPAddress {
    let ip = try asIPAddress()
    let special: String? =
      switch ip {
      case .v4(let a):
        a.isUnspecified
          ? "unspecified" : a.isLoopback ? "loopback" : a.isLinkLocal ? "link-local" : a.isLinkLocalMulticast ? "link-local multicast" : nil
      case .v6(let a):
        a.isUnspecified
          ? "unspecified" : a.isLoopback ? "loopback" : a.isLinkLocal ? "link-local" : a.isLinkLocalMulticast ? "link-local multicast" : nil
      }
    if let special { throw invalid("\(ip) is not a valid external IP: it is a \(special) address") }
    return ip
  }

  /// `spec.externalName` of an ExternalName service: a DNS-1123 subdomain, optionally with a final dot.
  func externalName() throws(FieldError) -> String {
    let field = try required("externalName")
    let name = try field.asString()
    let withoutDot = name.hasSuffix(".") ? String(name.dropLast()) : name
    if let reason = NameSyntax.dns1123SubdomainProblem(withoutDot) {
      throw field.invalid("\(quoted(name)) is not a valid DNS name: \(reason)")
    }
    return name
  }
}

extension TrafficDistribution: StringEnumField { static var accepted: [TrafficDistribution] { allCases } }

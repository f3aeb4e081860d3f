// Service.decode's fast path for JSON: the common Service (ClusterIP, NodePort or LoadBalancer
// type, cluster IPs, ports, selector, policies) read from the tape in one walk over each object's
// members; anything else is left to the general decoder, so every error is its own.
import NetAddress

extension Service {
  /// The spec fields the fast path reads, in `members` order; after them, fields it leaves to `decode`.
  private static let specKeys: InlineArray<15, String> = [
    "type", "clusterIP", "clusterIPs", "ipFamilies", "ports", "selector", "sessionAffinity", "externalTrafficPolicy",
    "internalTrafficPolicy", "healthCheckNodePort", "externalIPs", "loadBalancerSourceRanges", "sessionAffinityConfig",
    "externalName", "trafficDistribution",
  ]

  /// The service `object` reads from a JSON tape: the same value `decode` gives, or nil (having
  /// read nothing through the walk budget) for anything `decode` refuses or this path does not
  /// read (ExternalName, external IPs, source ranges, affinity timeouts, health check ports,
  /// traffic distribution, load-balancer ingress), for `decode` to read.
  static func decodeInOnePass(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> Service? {
    guard let (tape, index) = object.plainTapeValue, let top = tape.members(of: index, ["spec", "status"]),
      let specIndex = tape.value(top[0]), let spec = tape.members(of: specIndex, specKeys),
      (9..<15).allSatisfy({ tape.value(spec[$0]) == nil }), !hasIngress(tape, top[1])
    else { return nil }
    var service = Service(meta: meta)
    guard let type = tape.enumValue(spec[0], default: ServiceType.clusterIP), type != .externalName,
      let spent = service.readClusterIPs(tape, spec), let ports = ServicePort.decodeAllInOnePass(tape, spec[4])
    else { return nil }
    service.type = type
    service.ports = ports
    if ports.isEmpty && !service.isHeadless { return nil }
    var selectorCount = 0
    if let selector = tape.value(spec[5]) {
      guard let labels = try tape.stringMap(selector, keys: ValidName.isQualifiedName, values: ValidName.isLabelValue, spend: false)
      else { return nil }
      selectorCount = labels.count
      service.selector = labels.isEmpty ? nil : labels
    }
    guard let affinity = tape.enumValue(spec[6], default: SessionAffinity.none),
      let external = tape.enumValue(spec[7], default: TrafficPolicy.cluster),
      let `internal` = tape.enumValue(spec[8], default: TrafficPolicy.cluster)
    else { return nil }
    service.sessionAffinity = affinity
    service.externalTrafficPolicy = external
    service.internalTrafficPolicy = `internal`
    // What `decode` spends listing the cluster IPs, families, ports and selector (all valid here).
    try tape.budget.spend(spent + ports.count + selectorCount)
    return service
  }

  /// True unless `status.loadBalancer.ingress` is absent or null (or `status` has a shape `decode` refuses).
  private static func hasIngress(_ tape: JSONTape, _ status: Int) -> Bool {
    guard let status = tape.value(status) else { return false }
    guard let balancer = tape.members(of: status, ["loadBalancer"]) else { return true }
    guard let loadBalancer = tape.value(balancer[0]) else { return false }
    guard let ingress = tape.members(of: loadBalancer, ["ingress"]) else { return true }
    return tape.value(ingress[0]) != nil
  }

  /// `decodeClusterIPs` for the common shapes: the number of list elements read (which `decode`
  /// spends), or nil for anything else.
  private mutating func readClusterIPs(_ tape: JSONTape, _ spec: InlineArray<15, Int>) -> Int? {
    var clusterIP = ""
    if let field = tape.value(spec[1]) {
      guard let text = tape.stringValue(field) else { return nil }
      clusterIP = text
    }
    guard let listed = tape.strings(spec[2]), let families = tape.strings(spec[3]) else { return nil }
    if let first = listed.first, !clusterIP.isEmpty, first != clusterIP { return nil }
    if clusterIP == "None" || listed.first == "None" {
      if listed.count > 1 { return nil }
      isHeadless = true
    } else {
      for text in listed.isEmpty && !clusterIP.isEmpty ? [clusterIP] : listed {
        guard let ip = IPAddress(kubernetes: text) else { return nil }
        clusterIPs.append(ip)
      }
      if listed.count > 2 || (listed.count == 2 && clusterIPs[0].family == clusterIPs[1].family) { return nil }
    }
    for text in families {
      guard let family = IPFamily(rawValue: text) else { return nil }
      ipFamilies.append(family)
    }
    if ipFamilies.count > 2 || (ipFamilies.count == 2 && ipFamilies[0] == ipFamilies[1]) { return nil }
    if zip(clusterIPs, ipFamilies).contains(where: { $0.family != $1 }) { return nil }
    return listed.count + families.count
  }
}

extension ServicePort {
  /// `decodeAll` for ports of the common shapes; nil for anything else.
  static func decodeAllInOnePass(_ tape: JSONTape, _ member: Int) -> [ServicePort]? {
    guard let list = tape.list(member, limit: Int.max) else { return nil }
    var ports: [ServicePort] = []
    ports.reserveCapacity(list.count)
    var element = list.first
    for _ in 0..<list.count {
      guard let port = decodeInOnePass(tape, element), list.count == 1 || !port.name.isEmpty,
        !ports.contains(where: { (!port.name.isEmpty && $0.name == port.name) || ($0.port == port.port && $0.protocol_ == port.protocol_) })
      else { return nil }
      ports.append(port)
      element = Int(tape[element].next)
    }
    return ports
  }

  /// `decode` for one port of the common shapes; nil for anything else.
  private static func decodeInOnePass(_ tape: JSONTape, _ index: Int) -> ServicePort? {
    guard let members = tape.members(of: index, ["name", "protocol", "port", "targetPort", "nodePort"]),
      let portMember = tape.value(members[2]), let number = tape.portValue(portMember),
      let protocol_ = tape.enumValue(members[1], default: L4Protocol.tcp)
    else { return nil }
    var port = ServicePort(protocol_: protocol_, port: number)
    if let name = tape.value(members[0]) {
      guard let text = tape.stringValue(name), text.isEmpty || ValidName.isDNS1123Label(text) else { return nil }
      port.name = text
    }
    if let target = tape.value(members[3]) {
      if let text = tape.stringValue(target) {
        guard text.isEmpty || NameSyntax.ianaServiceNameProblem(text) == nil else { return nil }
        port.targetPort = text.isEmpty ? nil : .string(text)
      } else if tape.isZero(target) {
        port.targetPort = nil
      } else {
        guard let value = tape.portValue(target) else { return nil }
        port.targetPort = .int(value)
      }
    }
    if let nodePort = tape.value(members[4]) {
      if !tape.isZero(nodePort) {
        guard let value = tape.portValue(nodePort) else { return nil }
        port.nodePort = value
      }
    }
    return port
  }
}

// Decodes and validates a discovery.k8s.io/v1 EndpointSlice: address type, endpoints (addresses
// of the slice's family, conditions, node, zone, topology hints) and ports.
import NetAddress

extension EndpointSlice {
  static let maxEndpoints = 1000
  static let maxAddressesPerEndpoint = 100
  static let maxPorts = 100
  /// discovery validation's limits on `hints.forZones` and `hints.forNodes`.
  static let maxZoneHints = 8
  static let maxNodeHints = 8

  static func decode(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> EndpointSlice {
    if let slice = try decodeInOnePass(object, meta: meta) { return slice }
    let addressType = try object.required("addressType").asEnumeration(AddressType.self)
    var slice = EndpointSlice(meta: meta, addressType: addressType)
    let endpoints = try object.list("endpoints")
    if endpoints.count > maxEndpoints {
      throw try object.required("endpoints").invalid("\(endpoints.count) endpoints is more than the limit of \(maxEndpoints)")
    }
    if addressType != .fqdn {
      for endpoint in endpoints { slice.endpoints.append(try SliceEndpoint.decode(endpoint, addressType: addressType)) }
    }
    let ports = try object.list("ports")
    if ports.count > maxPorts { throw try object.required("ports").invalid("\(ports.count) ports is more than the limit of \(maxPorts)") }
    for reader in ports {
      let port = try EndpointPort.decode(reader)
      if let earlier = slice.ports.firstIndex(where: { $0.name == port.name }) {
        throw .invalid(field: reader.childPath("name"), reason: "\(quoted(port.name)) is already used by ports[\(earlier)]")
      }
      slice.ports.append(port)
    }
    return slice
  }
}

extension SliceEndpoint {
  static func decode(_ reader: FieldReader, addressType: AddressType) throws(FieldError) -> SliceEndpoint {
    let addressList = try reader.required("addresses")
    let addresses = try addressList.elements()
    if addresses.isEmpty || addresses.count > EndpointSlice.maxAddressesPerEndpoint {
      throw addressList.invalid("must hold 1 to \(EndpointSlice.maxAddressesPerEndpoint) addresses, got \(addresses.count)")
    }
    var endpoint = SliceEndpoint(addresses: [])
    for address in addresses {
      let ip = try address.asIPAddress()
      if ip.family.rawValue != addressType.rawValue {
        throw address.invalid("\(ip) is \(ip.family.rawValue) but addressType is \(addressType.rawValue)")
      }
      endpoint.addresses.append(ip)
    }
    let conditions = try reader.optional("conditions")
    endpoint.conditions = EndpointConditions(
      ready: try conditions?.bool("ready"), serving: try conditions?.bool("serving"),
      terminating: try conditions?.bool("terminating"))
    if let nodeName = try reader.optional("nodeName") {
      endpoint.nodeName = try nodeName.checked(try nodeName.asString(), as: "node name", NameSyntax.dns1123SubdomainProblem)
    }
    endpoint.zone = try reader.string("zone")
    if let hints = try reader.optional("hints") { endpoint.hints = try EndpointHints.decode(hints) }
    return endpoint
  }
}

extension EndpointHints {
  /// `hints` as discovery validation checks it: at most 8 zones and 8 nodes, each listed once;
  /// zone names are label values (empty allowed), node names DNS subdomains.
  static func decode(_ reader: FieldReader) throws(FieldError) -> EndpointHints {
    EndpointHints(
      forZones: try names(reader, "forZones", limit: EndpointSlice.maxZoneHints, as: "zone name", NameSyntax.labelValueProblem),
      forNodes: try names(reader, "forNodes", limit: EndpointSlice.maxNodeHints, as: "node name", NameSyntax.dns1123SubdomainProblem))
  }

  /// The `name` of each entry of the list `key`; an absent name is "" (the API's zero value).
  private static func names(
    _ reader: FieldReader, _ key: String, limit: Int, as what: String, _ problem: (String) -> String?
  ) throws(FieldError) -> [String] {
    let entries = try reader.list(key)
    if entries.count > limit {
      throw try reader.required(key).invalid("\(entries.count) entries is more than the limit of \(limit)")
    }
    var names: [String] = []
    for entry in entries {
      // An absent name is "" (the API's zero value): a valid zone name, but no node name.
      var name = ""
      if let field = problem("") == nil ? try entry.optional("name") : try entry.required("name") {
        name = try field.checked(try field.asString(), as: what, problem)
      }
      if let earlier = names.firstIndex(of: name) {
        throw .invalid(field: entry.childPath("name"), reason: "\(quoted(name)) is already listed in \(key)[\(earlier)]")
      }
      names.append(name)
    }
    return names
  }
}

extension EndpointPort {
  static func decode(_ reader: FieldReader) throws(FieldError) -> EndpointPort {
    var port = EndpointPort(port: nil)
    if let nameField = try reader.optional("name") {
      port.name = try nameField.asString()
      if !port.name.isEmpty { _ = try nameField.checked(port.name, as: "port name", NameSyntax.dns1123LabelProblem) }
    }
    port.protocol_ = try reader.l4Protocol()
    port.port = try reader.optional("port")?.asPort()
    return port
  }
}

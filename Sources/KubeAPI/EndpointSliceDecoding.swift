// Decodes and validates a discovery.k8s.io/v1 EndpointSlice: address type, endpoints (addresses
// of the slice's family, conditions, node, zone) and ports.
import NetAddress

extension EndpointSlice {
  static let maxEndpoints = 1000
  static let maxAddressesPerEndpoint = 100
  static let maxPorts = 100

  static func decode(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> EndpointSlice {
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
    return endpoint
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

// EndpointSlice.decode's fast path for JSON: a slice of a tape read in one walk over the members
// of each object (no reader per field); anything unusual is left to the general decoders, so
// every error is theirs, with their message.
import NetAddress

extension EndpointSlice {
  /// The slice `object` reads from a JSON tape: the same value `decode` gives, or the same error;
  /// nil (before anything is read) when its shape is not the common one, for `decode` to read.
  /// An endpoint or port this path does not accept is read by its general decoder.
  static func decodeInOnePass(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> EndpointSlice? {
    guard let (tape, index) = object.plainTapeValue,
      let members = tape.members(of: index, ["addressType", "endpoints", "ports"]),
      let addressType = tape.value(members[0]).flatMap(tape.stringValue).flatMap(AddressType.init(rawValue:)),
      let endpoints = tape.list(members[1], limit: maxEndpoints), let ports = tape.list(members[2], limit: maxPorts)
    else { return nil }
    var slice = EndpointSlice(meta: meta, addressType: addressType)
    // `decode` spends these when it lists the endpoints and the ports.
    try tape.budget.spend(endpoints.count)
    if addressType != .fqdn {
      slice.endpoints.reserveCapacity(endpoints.count)
      var endpoint = endpoints.first
      for _ in 0..<endpoints.count {
        if let decoded = try SliceEndpoint.decodeInOnePass(object, at: endpoint, addressType: addressType) {
          slice.endpoints.append(decoded)
        } else {
          slice.endpoints.append(try SliceEndpoint.decode(object.tapeReader(at: endpoint), addressType: addressType))
        }
        endpoint = Int(tape[endpoint].next)
      }
    }
    try tape.budget.spend(ports.count)
    var member = ports.first
    for _ in 0..<ports.count {
      var port: EndpointPort
      if let decoded = EndpointPort.decodeInOnePass(tape, member) {
        port = decoded
      } else {
        port = try EndpointPort.decode(object.tapeReader(at: member))
      }
      if let earlier = slice.ports.firstIndex(where: { $0.name == port.name }) {
        throw .invalid(
          field: object.tapeReader(at: member).childPath("name"), reason: "\(quoted(port.name)) is already used by ports[\(earlier)]")
      }
      slice.ports.append(port)
      member = Int(tape[member].next)
    }
    return slice
  }
}

extension SliceEndpoint {
  /// The endpoint at tape index `index` below `object` (a plain tape value, see
  /// `FieldReader.plainTapeValue`): the same value `decode` gives, or nil for anything that
  /// `decode` refuses (which then reports it). Hints are read by `EndpointHints.decode`.
  static func decodeInOnePass(_ object: FieldReader, at index: Int, addressType: AddressType) throws(FieldError) -> SliceEndpoint? {
    guard let (tape, _) = object.plainTapeValue,
      let members = tape.members(of: index, ["addresses", "conditions", "nodeName", "zone", "hints"]),
      let list = tape.value(members[0]), tape[list].kind == .array
    else { return nil }
    let count = Int(tape[list].start)
    guard count >= 1 && count <= EndpointSlice.maxAddressesPerEndpoint else { return nil }
    var endpoint = SliceEndpoint(addresses: [])
    endpoint.addresses.reserveCapacity(count)
    var element = JSONTape.firstChild(list)
    for _ in 0..<count {
      guard let text = tape.stringValue(element), let ip = IPAddress(kubernetes: text), ip.family.rawValue == addressType.rawValue
      else { return nil }
      endpoint.addresses.append(ip)
      element = Int(tape[element].next)
    }
    // `decode` spends this when it lists the addresses, before it checks them (they are valid here).
    try tape.budget.spend(count)
    if let conditions = tape.value(members[1]) {
      guard let flags = tape.members(of: conditions, ["ready", "serving", "terminating"]),
        tape.readBool(flags[0], into: &endpoint.conditions.ready),
        tape.readBool(flags[1], into: &endpoint.conditions.serving),
        tape.readBool(flags[2], into: &endpoint.conditions.terminating)
      else { return nil }
    }
    if let nodeName = tape.value(members[2]) {
      guard let name = tape.stringValue(nodeName), ValidName.isDNS1123Subdomain(name) else { return nil }
      endpoint.nodeName = name
    }
    if let zone = tape.value(members[3]) {
      guard let name = tape.stringValue(zone) else { return nil }
      endpoint.zone = name
    }
    if let hints = tape.value(members[4]) { endpoint.hints = try EndpointHints.decode(object.tapeReader(at: hints)) }
    return endpoint
  }
}

extension EndpointPort {
  /// The port at tape index `index`: the same value `decode` gives, or nil for anything unusual
  /// (which `decode` then reads or refuses).
  static func decodeInOnePass(_ tape: JSONTape, _ index: Int) -> EndpointPort? {
    guard let members = tape.members(of: index, ["name", "protocol", "port"]) else { return nil }
    var port = EndpointPort(port: nil)
    if let name = tape.value(members[0]) {
      guard let text = tape.stringValue(name), text.isEmpty || ValidName.isDNS1123Label(text) else { return nil }
      port.name = text
    }
    if let member = tape.value(members[1]) {
      guard let text = tape.stringValue(member), let value = L4Protocol(rawValue: text) else { return nil }
      port.protocol_ = value
    }
    if let member = tape.value(members[2]) {
      guard let value = tape.portValue(member) else { return nil }
      port.port = value
    }
    return port
  }
}

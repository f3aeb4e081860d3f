// Decodes and validates a v1 Node (InternalIP/ExternalIP addresses) and a networking.k8s.io
// ServiceCIDR (one CIDR per family, host bits zero).
import NetAddress

extension Node {
  static func decode(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> Node {
    var node = Node(meta: meta)
    for entry in try object.list("status.addresses") {
      switch try entry.string("type") {
      case "InternalIP": node.internalIPs.append(try entry.required("address").asIPAddress())
      case "ExternalIP": node.externalIPs.append(try entry.required("address").asIPAddress())
      default: continue
      }
    }
    return node
  }
}

extension ServiceCIDR {
  static func decode(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> ServiceCIDR {
    let list = try object.required("spec.cidrs")
    var cidrs: [IPPrefix] = []
    for reader in try list.elements() { cidrs.append(try reader.asIPPrefix(strict: true)) }
    if cidrs.isEmpty { throw list.invalid("at least one CIDR is required") }
    try list.checkDualStack(cidrs.map(\.family), what: "CIDRs")
    return ServiceCIDR(meta: meta, cidrs: cidrs)
  }
}

// The (apiVersion, kind) pairs kproxy decodes, with each kind's name rule and scope;
// everything else in a manifest stream is ignored.

enum KnownKind {
  case service, endpointSlice, pod, node, serviceCIDR

  init?(apiVersion: String, kind: String) {
    switch (apiVersion, kind) {
    case ("v1", "Service"): self = .service
    case ("discovery.k8s.io/v1", "EndpointSlice"): self = .endpointSlice
    case ("v1", "Pod"): self = .pod
    case ("v1", "Node"): self = .node
    case ("networking.k8s.io/v1", "ServiceCIDR"), ("networking.k8s.io/v1beta1", "ServiceCIDR"): self = .serviceCIDR
    default: return nil
    }
  }

  /// The apiVersions kproxy reads `kind` in; nil when it does not read the kind at all.
  static func apiVersions(ofKind kind: String) -> [String]? {
    switch kind {
    case "Service", "Pod", "Node": ["v1"]
    case "EndpointSlice": ["discovery.k8s.io/v1"]
    case "ServiceCIDR": ["networking.k8s.io/v1", "networking.k8s.io/v1beta1"]
    default: nil
    }
  }

  var nameRule: ObjectNameRule { self == .service ? .dns1035Label : .dns1123Subdomain }

  var isNamespaced: Bool { self != .node && self != .serviceCIDR }

  func decode(_ object: FieldReader, meta: ObjectMeta) throws(FieldError) -> KubeObject {
    switch self {
    case .service: .service(try Service.decode(object, meta: meta))
    case .endpointSlice: .endpointSlice(try EndpointSlice.decode(object, meta: meta))
    case .pod: .pod(try Pod.decode(object, meta: meta))
    case .node: .node(try Node.decode(object, meta: meta))
    case .serviceCIDR: .serviceCIDR(try ServiceCIDR.decode(object, meta: meta))
    }
  }
}

// The discovery.k8s.io/v1 EndpointSlice object: endpoints of a service for one address type.
import NetAddress

public enum AddressType: String, Sendable, Hashable {
  case ipv4 = "IPv4"
  case ipv6 = "IPv6"
  case fqdn = "FQDN"
}

/// `endpoints[].conditions`; nil means the field was absent (Kubernetes' defaulting rules apply).
public struct EndpointConditions: Sendable, Hashable {
  public var ready: Bool?
  public var serving: Bool?
  public var terminating: Bool?
  public init(ready: Bool? = nil, serving: Bool? = nil, terminating: Bool? = nil) {
    self.ready = ready
    self.serving = serving
    self.terminating = terminating
  }
}

/// `endpoints[].hints`: where the EndpointSlice controller wants the endpoint used (topology
/// aware routing). Empty lists mean "no hint of that kind".
public struct EndpointHints: Sendable, Hashable {
  /// `forZones[].name`: zones whose nodes should send traffic to this endpoint.
  public var forZones: [String]
  /// `forNodes[].name`: nodes that should send traffic to this endpoint.
  public var forNodes: [String]
  public init(forZones: [String] = [], forNodes: [String] = []) {
    self.forZones = forZones
    self.forNodes = forNodes
  }
}

/// One `endpoints[]` entry.
public struct SliceEndpoint: Sendable, Hashable {
  /// For IPv4/IPv6 slices the parsed addresses; kube-proxy uses only the first.
  public var addresses: [IPAddress]
  public var conditions: EndpointConditions
  public var nodeName: String?
  public var zone: String?
  public var hints: EndpointHints
  public init(
    addresses: [IPAddress], conditions: EndpointConditions = .init(), nodeName: String? = nil, zone: String? = nil,
    hints: EndpointHints = .init()
  ) {
    self.addresses = addresses
    self.conditions = conditions
    self.nodeName = nodeName
    self.zone = zone
    self.hints = hints
  }
}

/// One `ports[]` entry. nil port means "all ports" (not usable by a proxy).
public struct EndpointPort: Sendable, Hashable {
  public var name: String
  public var protocol_: L4Protocol
  public var port: Int?
  public init(name: String = "", protocol_: L4Protocol = .tcp, port: Int?) {
    self.name = name
    self.protocol_ = protocol_
    self.port = port
  }
}

public struct EndpointSlice: Sendable, Hashable {
  public var meta: ObjectMeta
  public var addressType: AddressType
  public var endpoints: [SliceEndpoint]
  public var ports: [EndpointPort]

  public init(meta: ObjectMeta, addressType: AddressType, endpoints: [SliceEndpoint] = [], ports: [EndpointPort] = []) {
    self.meta = meta
    self.addressType = addressType
    self.endpoints = endpoints
    self.ports = ports
  }

  /// The label that ties a slice to its service.
  public static let serviceNameLabel = "kubernetes.io/service-name"

  /// The owning service's name from the `kubernetes.io/service-name` label.
  public var serviceName: String? { meta.labels[Self.serviceNameLabel] }
}

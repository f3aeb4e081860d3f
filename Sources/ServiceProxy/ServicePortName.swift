// The identity of one port of one service (`namespace/name:port/PROTO`), and the endpoints
// and settings the reconciler computes for it, per address family.
import KubeAPI
import NetAddress

/// Identifies a service port: namespace, service name, port name and protocol.
public struct ServicePortName: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var service: NamespacedName
  /// The port's name ("" for a single unnamed port).
  public var port: String
  public var protocol_: L4Protocol

  public init(service: NamespacedName, port: String, protocol_: L4Protocol) {
    self.service = service
    self.port = port
    self.protocol_ = protocol_
  }

  /// `namespace/name:port` as kube-proxy prints it (`namespace/name` when unnamed).
  public var description: String { port.isEmpty ? service.description : "\(service):\(port)" }

  public static func < (a: ServicePortName, b: ServicePortName) -> Bool {
    (a.service, a.port, a.protocol_) < (b.service, b.port, b.protocol_)
  }
}

/// One endpoint of a service port.
public struct EndpointInfo: Sendable, Hashable, Comparable {
  public var ip: IPAddress
  public var port: Int
  /// On this node (`nodeName` equals the node's hostname).
  public var isLocal: Bool
  public var ready: Bool
  public var serving: Bool
  public var terminating: Bool
  public var nodeName: String?
  public var zone: String?
  /// Its topology hints as seen from this node (none unless its EndpointSlice has hints).
  public var hints = TopologyHintMatch()

  public init(
    ip: IPAddress, port: Int, isLocal: Bool, ready: Bool, serving: Bool, terminating: Bool, nodeName: String? = nil, zone: String? = nil
  ) {
    self.ip = ip
    self.port = port
    self.isLocal = isLocal
    self.ready = ready
    self.serving = serving
    self.terminating = terminating
    self.nodeName = nodeName
    self.zone = zone
  }

  public static func < (a: EndpointInfo, b: EndpointInfo) -> Bool { (a.ip, a.port) < (b.ip, b.port) }
}

/// A service port in one address family, with everything the compiler needs.
public struct ServicePortInfo: Sendable, Hashable {
  public var name: ServicePortName
  public var family: IPFamily
  public var clusterIP: IPAddress
  public var port: Int
  /// 0 when the service has no NodePort.
  public var nodePort: Int
  public var externalIPs: [IPAddress]
  public var loadBalancerIPs: [IPAddress]
  public var loadBalancerSourceRanges: [IPPrefix]
  /// ClientIP affinity timeout in seconds; nil without session affinity.
  public var affinityTimeoutSeconds: Int?
  public var externalTrafficPolicy: TrafficPolicy
  public var internalTrafficPolicy: TrafficPolicy
  /// All endpoints of this family, sorted, deduplicated (ready or not).
  public var endpoints: [EndpointInfo]

  public init(
    name: ServicePortName, family: IPFamily, clusterIP: IPAddress, port: Int, nodePort: Int = 0, externalIPs: [IPAddress] = [],
    loadBalancerIPs: [IPAddress] = [], loadBalancerSourceRanges: [IPPrefix] = [], affinityTimeoutSeconds: Int? = nil,
    externalTrafficPolicy: TrafficPolicy = .cluster, internalTrafficPolicy: TrafficPolicy = .cluster, endpoints: [EndpointInfo] = []
  ) {
    self.name = name
    self.family = family
    self.clusterIP = clusterIP
    self.port = port
    self.nodePort = nodePort
    self.externalIPs = externalIPs
    self.loadBalancerIPs = loadBalancerIPs
    self.loadBalancerSourceRanges = loadBalancerSourceRanges
    self.affinityTimeoutSeconds = affinityTimeoutSeconds
    self.externalTrafficPolicy = externalTrafficPolicy
    self.internalTrafficPolicy = internalTrafficPolicy
    self.endpoints = endpoints
  }

  /// Reachable through NodePort, LoadBalancer ingress IPs or externalIPs.
  public var externallyAccessible: Bool { nodePort != 0 || !loadBalancerIPs.isEmpty || !externalIPs.isEmpty }
  /// External traffic goes to local endpoints only.
  public var externalPolicyLocal: Bool { externallyAccessible && externalTrafficPolicy == .local }
  public var internalPolicyLocal: Bool { internalTrafficPolicy == .local }
  /// Traffic is ever sent to endpoints chosen under the Cluster policy (also true when
  /// external policy is Local: pod and host traffic short-circuits to all endpoints).
  public var usesClusterEndpoints: Bool { !internalPolicyLocal || externallyAccessible }
  public var usesLocalEndpoints: Bool { internalPolicyLocal || externalPolicyLocal }
}

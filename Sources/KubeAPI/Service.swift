// The v1 Service object: the fields kproxy reads, as validated Swift values.
import NetAddress

/// Layer-4 protocols a Service port may use. Renders in nft as `tcp`, `udp`, `sctp`.
public enum L4Protocol: String, Sendable, Hashable, CaseIterable, Comparable {
  case tcp = "TCP"
  case udp = "UDP"
  case sctp = "SCTP"

  /// The lower-case spelling used in nft and in kube-proxy chain names.
  public var lowercased: String {
    switch self {
    case .tcp: "tcp"
    case .udp: "udp"
    case .sctp: "sctp"
    }
  }

  public static func < (a: L4Protocol, b: L4Protocol) -> Bool { a.lowercased < b.lowercased }
}

/// A Kubernetes IntOrString (`targetPort`).
public enum IntOrString: Sendable, Hashable {
  case int(Int)
  case string(String)
}

public enum ServiceType: String, Sendable, Hashable {
  case clusterIP = "ClusterIP"
  case nodePort = "NodePort"
  case loadBalancer = "LoadBalancer"
  case externalName = "ExternalName"
}

/// externalTrafficPolicy / internalTrafficPolicy.
public enum TrafficPolicy: String, Sendable, Hashable {
  case cluster = "Cluster"
  case local = "Local"
}

/// `spec.trafficDistribution`: the EndpointSlice controller turns it into endpoint hints;
/// kube-proxy reads only the hints. PreferClose is the older name of PreferSameZone.
public enum TrafficDistribution: String, Sendable, Hashable, CaseIterable {
  case preferClose = "PreferClose"
  case preferSameZone = "PreferSameZone"
  case preferSameNode = "PreferSameNode"
}

public enum SessionAffinity: String, Sendable, Hashable {
  case none = "None"
  case clientIP = "ClientIP"
}

/// `status.loadBalancer.ingress[].ipMode` (KEP-1860).
public enum LoadBalancerIPMode: String, Sendable, Hashable {
  /// Traffic arrives with the LB IP as destination: the node DNATs it (the default).
  case vip = "VIP"
  /// The load balancer proxies to the node, so the LB IP never reaches it: no DNAT on the node.
  case proxy = "Proxy"
}

/// One `status.loadBalancer.ingress[]` entry with an `ip` (hostname-only entries are skipped).
public struct LoadBalancerIngress: Sendable, Hashable {
  public var ip: IPAddress
  /// nil when absent (the API server defaults it to VIP).
  public var ipMode: LoadBalancerIPMode?
  public init(ip: IPAddress, ipMode: LoadBalancerIPMode? = nil) {
    self.ip = ip
    self.ipMode = ipMode
  }
}

/// One entry of `spec.ports`.
public struct ServicePort: Sendable, Hashable {
  /// Port name; empty when the service has a single unnamed port.
  public var name: String
  public var protocol_: L4Protocol
  public var port: Int
  /// nil means "same as port".
  public var targetPort: IntOrString?
  /// 0 when not allocated.
  public var nodePort: Int

  public init(name: String = "", protocol_: L4Protocol = .tcp, port: Int, targetPort: IntOrString? = nil, nodePort: Int = 0) {
    self.name = name
    self.protocol_ = protocol_
    self.port = port
    self.targetPort = targetPort
    self.nodePort = nodePort
  }
}

/// A v1 Service.
public struct Service: Sendable, Hashable {
  public var meta: ObjectMeta
  public var type: ServiceType
  /// `spec.clusterIPs` (or `spec.clusterIP` alone); empty when headless (`None`) or unset.
  public var clusterIPs: [IPAddress]
  /// True when `spec.clusterIP` is `None`.
  public var isHeadless: Bool
  /// `spec.ipFamilies` as given (may be empty).
  public var ipFamilies: [IPFamily]
  public var ports: [ServicePort]
  /// `spec.selector`; nil when absent (no pod-derived endpoints), empty map is treated as absent.
  public var selector: [String: String]?
  public var externalIPs: [IPAddress]
  /// `status.loadBalancer.ingress[]` entries with an `ip` (hostname-only entries are skipped).
  public var loadBalancerIngress: [LoadBalancerIngress]
  public var loadBalancerSourceRanges: [IPPrefix]
  public var sessionAffinity: SessionAffinity
  /// `sessionAffinityConfig.clientIP.timeoutSeconds` (default 10800).
  public var affinityTimeoutSeconds: Int
  public var externalTrafficPolicy: TrafficPolicy
  public var internalTrafficPolicy: TrafficPolicy
  public var healthCheckNodePort: Int
  public var externalName: String?
  /// `spec.trafficDistribution`; nil when absent.
  public var trafficDistribution: TrafficDistribution? = nil

  public init(
    meta: ObjectMeta, type: ServiceType = .clusterIP, clusterIPs: [IPAddress] = [], isHeadless: Bool = false,
    ipFamilies: [IPFamily] = [], ports: [ServicePort] = [], selector: [String: String]? = nil,
    externalIPs: [IPAddress] = [], loadBalancerIngressIPs: [IPAddress] = [],
    loadBalancerSourceRanges: [IPPrefix] = [], sessionAffinity: SessionAffinity = .none,
    affinityTimeoutSeconds: Int = 10800, externalTrafficPolicy: TrafficPolicy = .cluster,
    internalTrafficPolicy: TrafficPolicy = .cluster, healthCheckNodePort: Int = 0, externalName: String? = nil
  ) {
    self.meta = meta
    self.type = type
    self.clusterIPs = clusterIPs
    self.isHeadless = isHeadless
    self.ipFamilies = ipFamilies
    self.ports = ports
    self.selector = selector
    self.externalIPs = externalIPs
    self.loadBalancerIngress = loadBalancerIngressIPs.map { LoadBalancerIngress(ip: $0) }
    self.loadBalancerSourceRanges = loadBalancerSourceRanges
    self.sessionAffinity = sessionAffinity
    self.affinityTimeoutSeconds = affinityTimeoutSeconds
    self.externalTrafficPolicy = externalTrafficPolicy
    self.internalTrafficPolicy = internalTrafficPolicy
    self.healthCheckNodePort = healthCheckNodePort
    self.externalName = externalName
  }
}

extension Service {
  /// Every `status.loadBalancer.ingress[].ip`; setting it replaces the entries with VIP-mode ones.
  public var loadBalancerIngressIPs: [IPAddress] {
    get { loadBalancerIngress.map(\.ip) }
    set { loadBalancerIngress = newValue.map { LoadBalancerIngress(ip: $0) } }
  }

  /// The ingress IPs the node DNATs: all but those with `ipMode: Proxy` (kube-proxy, KEP-1860).
  public var loadBalancerVIPs: [IPAddress] {
    loadBalancerIngress.filter { $0.ipMode != .proxy }.map(\.ip)
  }
}

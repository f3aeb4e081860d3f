// The v1 Node object (a source of the node's IPs and zone label) and networking.k8s.io/v1 ServiceCIDR.
import NetAddress

public struct Node: Sendable, Hashable {
  public var meta: ObjectMeta
  /// `status.addresses` of type InternalIP, in order.
  public var internalIPs: [IPAddress]
  /// `status.addresses` of type ExternalIP, in order.
  public var externalIPs: [IPAddress]
  public init(meta: ObjectMeta, internalIPs: [IPAddress] = [], externalIPs: [IPAddress] = []) {
    self.meta = meta
    self.internalIPs = internalIPs
    self.externalIPs = externalIPs
  }

  /// The well-known label naming the node's zone (kube-proxy's topology input).
  public static let zoneLabel = "topology.kubernetes.io/zone"

  /// The node's zone from its `topology.kubernetes.io/zone` label; nil when unlabeled.
  public var zone: String? { meta.labels[Self.zoneLabel] }
}

public struct ServiceCIDR: Sendable, Hashable {
  public var meta: ObjectMeta
  public var cidrs: [IPPrefix]
  public init(meta: ObjectMeta, cidrs: [IPPrefix]) {
    self.meta = meta
    self.cidrs = cidrs
  }
}

// kube-proxy's endpoint selection per traffic policy: ready endpoints, falling back to
// serving-and-terminating ones when none are ready, for the Cluster and the Local policy;
// topology hints (same node, same zone) narrow the Cluster policy's endpoints.
import KubeAPI

/// How an endpoint's EndpointSlice hints relate to this node, decided once by the reconciler
/// (which knows the node): kube-proxy's `NodeHints().Has(nodeName)` and `ZoneHints().Has(zone)`.
public struct TopologyHintMatch: Sendable, Hashable {
  /// The endpoint has `hints.forZones`.
  public var hasZoneHints: Bool
  /// One of them names this node's zone ("" when the node has no zone label, as kube-proxy).
  public var forThisZone: Bool
  /// The endpoint has `hints.forNodes`.
  public var hasNodeHints: Bool
  /// One of them names this node.
  public var forThisNode: Bool

  public init(hasZoneHints: Bool = false, forThisZone: Bool = false, hasNodeHints: Bool = false, forThisNode: Bool = false) {
    self.hasZoneHints = hasZoneHints
    self.forThisZone = forThisZone
    self.hasNodeHints = hasNodeHints
    self.forThisNode = forThisNode
  }

  /// `hints` as seen from the node named `nodeName` in zone `zone` (nil: no zone label).
  public init(_ hints: EndpointHints, nodeName: String, zone: String?) {
    self.init(
      hasZoneHints: !hints.forZones.isEmpty, forThisZone: hints.forZones.contains(zone ?? ""),
      hasNodeHints: !hints.forNodes.isEmpty, forThisNode: hints.forNodes.contains(nodeName))
  }
}

/// kube-proxy's topology mode for a service port's Cluster-policy endpoints (its
/// `topologyModeFromHints`): PreferSameNode when every ready endpoint has node hints and one
/// is hinted for this node, else PreferSameZone likewise with zone hints, else all endpoints.
enum TopologyMode: Sendable, Hashable {
  case allEndpoints
  case sameZone
  case sameNode

  init(_ endpoints: [EndpointInfo]) {
    var hasReady = false
    var allHaveNodeHints = true
    var someForThisNode = false
    var allHaveZoneHints = true
    var someForThisZone = false
    for ep in endpoints where ep.ready {
      hasReady = true
      if !ep.hints.hasNodeHints { allHaveNodeHints = false } else if ep.hints.forThisNode { someForThisNode = true }
      if !ep.hints.hasZoneHints { allHaveZoneHints = false } else if ep.hints.forThisZone { someForThisZone = true }
    }
    if hasReady && allHaveNodeHints && someForThisNode {
      self = .sameNode
    } else if hasReady && allHaveZoneHints && someForThisZone {
      self = .sameZone
    } else {
      self = .allEndpoints
    }
  }

  /// Whether `endpoint` may be used in this mode (kube-proxy's `availableForTopology`).
  func admits(_ endpoint: EndpointInfo) -> Bool {
    switch self {
    case .allEndpoints: true
    case .sameZone: endpoint.hints.forThisZone
    case .sameNode: endpoint.hints.forThisNode
    }
  }
}

/// The endpoints a service port sends traffic to under each policy.
public struct EndpointCategories: Sendable, Hashable {
  /// Endpoints for the Cluster policy (empty when the port never uses it).
  public var cluster: [EndpointInfo]
  /// Endpoints on this node for the Local policy (empty when the port never uses it).
  public var local: [EndpointInfo]
  /// Whether the service has any usable endpoint anywhere in the cluster.
  public var hasAnyEndpoints: Bool

  /// Every endpoint reachable from this node under either policy, sorted, unique.
  public var allReachable: [EndpointInfo] {
    if local.isEmpty { return cluster }
    if cluster.isEmpty { return local }
    return Array(Set(cluster + local)).sorted()
  }

  /// Categorizes `info.endpoints` as kube-proxy's `CategorizeEndpoints` does. Topology hints
  /// apply to the Cluster policy's ready endpoints only: the serving-terminating fallback and
  /// the Local policy ignore them.
  public init(_ info: ServicePortInfo) {
    let endpoints = info.endpoints
    cluster = []
    local = []
    hasAnyEndpoints = false
    if info.usesClusterEndpoints {
      let topology = TopologyMode(endpoints)
      cluster = endpoints.filter { $0.ready && topology.admits($0) }
      if cluster.isEmpty {
        cluster = endpoints.filter { $0.serving && $0.terminating }
      }
      hasAnyEndpoints = !cluster.isEmpty
    }
    guard info.usesLocalEndpoints else { return }
    var hasLocalReady = false
    var hasLocalServingTerminating = false
    for ep in endpoints {
      if ep.ready {
        hasAnyEndpoints = true
        if ep.isLocal { hasLocalReady = true }
      } else if ep.serving && ep.terminating {
        hasAnyEndpoints = true
        if ep.isLocal { hasLocalServingTerminating = true }
      }
    }
    if hasLocalReady {
      local = endpoints.filter { $0.isLocal && $0.ready }
    } else if hasLocalServingTerminating {
      local = endpoints.filter { $0.isLocal && $0.serving && $0.terminating }
    }
  }
}

// kube-proxy's endpoint selection per traffic policy: ready endpoints, falling back to
// serving-and-terminating ones when none are ready, for the Cluster and the Local policy.

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

  /// Categorizes `info.endpoints` as kube-proxy's `CategorizeEndpoints` does (without
  /// topology hints).
  public init(_ info: ServicePortInfo) {
    let endpoints = info.endpoints
    cluster = []
    local = []
    hasAnyEndpoints = false
    if info.usesClusterEndpoints {
      cluster = endpoints.filter(\.ready)
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

// The decoded contents of a set of manifests: every object kproxy understands, by kind.

/// Objects of every kind kproxy reads, in input order, plus what was skipped and why.
public struct ObjectSet: Sendable, Hashable {
  public var services: [Service] = []
  public var endpointSlices: [EndpointSlice] = []
  public var pods: [Pod] = []
  public var nodes: [Node] = []
  public var serviceCIDRs: [ServiceCIDR] = []
  /// Number of documents/items of kinds kproxy does not use (ConfigMap, Deployment, ...).
  public var ignoredCount: Int = 0
  /// The documents/items not decoded, with place and reason (`notices`, `skippedSummary`).
  public var skipped: [SkippedObject] = []

  public init(
    services: [Service] = [], endpointSlices: [EndpointSlice] = [], pods: [Pod] = [], nodes: [Node] = [], serviceCIDRs: [ServiceCIDR] = []
  ) {
    self.services = services
    self.endpointSlices = endpointSlices
    self.pods = pods
    self.nodes = nodes
    self.serviceCIDRs = serviceCIDRs
  }
}

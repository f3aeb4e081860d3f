// The current objects indexed the way the change trackers need them: services by key, slices by
// service, pods by namespace, nodes and service CIDRs; computes one service's ports on demand.
import KubeAPI
import NetAddress

/// The objects behind the reconciler's output, kept up to date change by change, so that the
/// service ports of one service are computed exactly as `Reconciler.reconcile` would compute
/// them for the whole set (both call `Reconciler.servicePorts(of:…)`).
public struct ServiceObjectIndex: Sendable {
  public private(set) var services: [NamespacedName: Service] = [:]
  /// Services by namespace, for the pods of that namespace.
  private(set) var servicesByNamespace: [String: Set<NamespacedName>] = [:]
  /// EndpointSlices by the service they belong to (their `kubernetes.io/service-name` label),
  /// then by slice name; slices without that label belong to no service.
  private(set) var slicesByService: [NamespacedName: [String: EndpointSlice]] = [:]
  /// Pods by namespace, then by name.
  private(set) var podsByNamespace: [String: [String: Pod]] = [:]
  public private(set) var nodes: [String: Node] = [:]
  public private(set) var serviceCIDRs: [String: ServiceCIDR] = [:]
  /// Node name → its zone label, for endpoints derived from pods.
  private(set) var nodeZones: [String: String] = [:]

  public init() {}

  /// An index of every object of `objects` (later objects of the same identity win).
  public init(_ objects: ObjectSet) {
    for s in objects.services { apply(ObjectChange(kind: "Service", key: s.meta.key, old: nil, new: .service(s))) }
    for s in objects.endpointSlices { apply(ObjectChange(kind: "EndpointSlice", key: s.meta.key, old: nil, new: .endpointSlice(s))) }
    for p in objects.pods { apply(ObjectChange(kind: "Pod", key: p.meta.key, old: nil, new: .pod(p))) }
    for n in objects.nodes { apply(ObjectChange(kind: "Node", key: n.meta.key, old: nil, new: .node(n))) }
    for c in objects.serviceCIDRs { apply(ObjectChange(kind: "ServiceCIDR", key: c.meta.key, old: nil, new: .serviceCIDR(c))) }
  }

  /// Applies one change: removes the old object, inserts the new one.
  public mutating func apply(_ change: ObjectChange) {
    if let old = change.old { remove(old) }
    if let new = change.new { insert(new) }
  }

  private mutating func insert(_ object: KubeObject) {
    switch object {
    case .service(let s):
      services[s.meta.key] = s
      servicesByNamespace[s.meta.namespace, default: []].insert(s.meta.key)
    case .endpointSlice(let s):
      if let owner = Self.owner(of: s) { slicesByService[owner, default: [:]][s.meta.name] = s }
    case .pod(let p):
      podsByNamespace[p.meta.namespace, default: [:]][p.meta.name] = p
    case .node(let n):
      nodes[n.meta.name] = n
      nodeZones[n.meta.name] = n.zone
    case .serviceCIDR(let c):
      serviceCIDRs[c.meta.name] = c
    }
  }

  private mutating func remove(_ object: KubeObject) {
    switch object {
    case .service(let s):
      services[s.meta.key] = nil
      servicesByNamespace[s.meta.namespace]?.remove(s.meta.key)
      if servicesByNamespace[s.meta.namespace]?.isEmpty == true { servicesByNamespace[s.meta.namespace] = nil }
    case .endpointSlice(let s):
      guard let owner = Self.owner(of: s) else { return }
      slicesByService[owner]?[s.meta.name] = nil
      if slicesByService[owner]?.isEmpty == true { slicesByService[owner] = nil }
    case .pod(let p):
      podsByNamespace[p.meta.namespace]?[p.meta.name] = nil
      if podsByNamespace[p.meta.namespace]?.isEmpty == true { podsByNamespace[p.meta.namespace] = nil }
    case .node(let n):
      nodes[n.meta.name] = nil
      nodeZones[n.meta.name] = nil
    case .serviceCIDR(let c):
      serviceCIDRs[c.meta.name] = nil
    }
  }

  /// The service an EndpointSlice belongs to.
  static func owner(of slice: EndpointSlice) -> NamespacedName? {
    slice.serviceName.map { NamespacedName(namespace: slice.meta.namespace, name: $0) }
  }

  /// Whether the service has at least one EndpointSlice (then its pods are not used).
  func hasSlices(_ service: NamespacedName) -> Bool { slicesByService[service] != nil }

  /// The services of `namespace` whose endpoints come from pods (a selector and no
  /// EndpointSlice) and whose selector matches `labels`.
  func podSelectingServices(namespace: String, labels: [String: String]) -> [NamespacedName] {
    guard let keys = servicesByNamespace[namespace] else { return [] }
    return keys.filter { key in
      guard let selector = services[key]?.selector, !selector.isEmpty, !hasSlices(key) else { return false }
      return PodEndpoints.matches(selector, labels)
    }
  }

  /// The pods of a namespace in name order (the order `Reconciler.reconcile` sees them in a
  /// store's sorted object set).
  func pods(in namespace: String) -> [Pod] {
    guard let pods = podsByNamespace[namespace] else { return [] }
    return pods.keys.sorted().map { pods[$0]! }
  }

  /// The service ports of one service, as `Reconciler.reconcile` computes them; empty when the
  /// service does not exist.
  public func servicePorts(of key: NamespacedName, node: NodeConfig) -> [ServicePortInfo] {
    var cache = PodLists()
    return servicePorts(of: key, node: node, pods: &cache)
  }

  /// Sorted pod lists by namespace, built on first use: computing many services of one
  /// namespace sorts its pods once.
  struct PodLists {
    var byNamespace: [String: [Pod]] = [:]
  }

  /// `servicePorts(of:node:)` with pod lists shared across calls.
  func servicePorts(of key: NamespacedName, node: NodeConfig, pods cache: inout PodLists) -> [ServicePortInfo] {
    guard let svc = services[key] else { return [] }
    let slices = slicesByService[key].map { Array($0.values) } ?? []
    var pods: [Pod] = []
    if slices.isEmpty, svc.selector?.isEmpty == false {
      if let cached = cache.byNamespace[key.namespace] {
        pods = cached
      } else {
        pods = self.pods(in: key.namespace)
        cache.byNamespace[key.namespace] = pods
      }
    }
    return Reconciler.servicePorts(of: svc, slices: slices, namespacePods: pods, node: node, nodeZones: nodeZones)
  }

  /// The reconciler's warning about one service, if any.
  public func warning(of key: NamespacedName) -> String? {
    services[key].flatMap(Reconciler.missingClusterIPWarning)
  }

  /// The ServiceCIDR objects in name order.
  public var sortedServiceCIDRs: [ServiceCIDR] { serviceCIDRs.keys.sorted().map { serviceCIDRs[$0]! } }
}

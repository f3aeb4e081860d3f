// Records which services the object changes affect (as kube-proxy's service and endpoints change
// trackers) and, when the sync loop drains it, recomputes only those services' ports.
import KubeAPI
import NetAddress

/// Takes the store's object changes, keeps the indexed objects, and remembers which services
/// changed and when each change was first seen. `drain(node:)` hands the sync loop the service
/// ports that changed since the last drain, or the full state when every port may have changed.
public struct ServiceChangeTracker: Sendable {
  public private(set) var index = ServiceObjectIndex()
  /// This node's name: a change of its Node object is a node-level change.
  public let hostname: String
  /// Services whose ports may have changed, with when the first such change was seen.
  private var pending: [NamespacedName: ContinuousClock.Instant] = [:]
  /// A change that may change every service port (this Node, a zone label, a ServiceCIDR),
  /// with when it was first seen.
  private var nodeLevelSince: ContinuousClock.Instant?
  /// What the last drain handed out.
  private var handedOut: [ServicePortKey: ServicePortInfo] = [:]
  private var portsByService: [NamespacedName: [ServicePortKey]] = [:]
  private var warningsByService: [NamespacedName: String] = [:]
  private var lastNode: NodeConfig?

  public init(hostname: String) {
    self.hostname = hostname.lowercased()
  }

  /// Whether a drain would have something to look at (a pending service or node-level change,
  /// or no drain yet). A pending change may still turn out to change no port.
  public var hasPendingChanges: Bool { lastNode == nil || nodeLevelSince != nil || !pending.isEmpty }

  /// The services recorded as possibly changed since the last drain, sorted.
  var pendingServices: [NamespacedName] { pending.keys.sorted() }
  /// Whether a node-level change was recorded since the last drain.
  var hasNodeLevelChange: Bool { nodeLevelSince != nil }

  /// Records changes seen at `now`.
  public mutating func record(_ changes: [ObjectChange], at now: ContinuousClock.Instant = .now) {
    for change in changes { record(change, at: now) }
  }

  /// Records one change seen at `now`: updates the index and marks the affected services (or
  /// the node) as pending. A change whose old and new objects are equal is dropped.
  public mutating func record(_ change: ObjectChange, at now: ContinuousClock.Instant = .now) {
    guard change.old != change.new else { return }
    let affected = affectedServices(change)
    index.apply(change)
    // A pod's old labels were matched above, its new labels are matched here: services whose
    // selector matches either version may gain or lose the pod as an endpoint.
    var services = affected.services
    if case .pod(let pod) = change.new {
      services += index.podSelectingServices(namespace: pod.meta.namespace, labels: pod.meta.labels)
    }
    for key in services where pending[key] == nil { pending[key] = now }
    if affected.nodeLevel, nodeLevelSince == nil { nodeLevelSince = now }
    if case .service = change.new ?? change.old {
      warningsByService[change.key] = index.warning(of: change.key)
    }
  }

  /// The services a change affects before it is applied, and whether it is node-level.
  private func affectedServices(_ change: ObjectChange) -> (services: [NamespacedName], nodeLevel: Bool) {
    switch change.new ?? change.old {
    case .service: return ([change.key], false)
    case .endpointSlice:
      let owners = [change.old, change.new].compactMap { object -> NamespacedName? in
        guard case .endpointSlice(let slice) = object else { return nil }
        return ServiceObjectIndex.owner(of: slice)
      }
      return (owners, false)
    case .pod:
      guard case .pod(let pod) = change.old else { return ([], false) }
      return (index.podSelectingServices(namespace: pod.meta.namespace, labels: pod.meta.labels), false)
    case .node:
      let zones = [change.old, change.new].map { object -> String? in
        guard case .node(let node) = object else { return nil }
        return node.zone
      }
      return ([], change.key.name == hostname || zones[0] != zones[1])
    case .serviceCIDR: return ([], true)
    case nil: return ([], false)
    }
  }

  /// The changes since the last drain for `node` (the node as resolved now): the full state on
  /// the first drain, after a node-level change, or when `node` differs from the last drain's;
  /// otherwise the service ports of the affected services that are new or different, and those
  /// that are gone. Pending changes are cleared.
  public mutating func drain(node: NodeConfig) -> ProxyChanges {
    let oldest = ([nodeLevelSince] + pending.values.map { Optional($0) }).compactMap { $0 }.min()
    defer {
      pending = [:]
      nodeLevelSince = nil
      lastNode = node
    }
    let warnings = warningsByService.keys.sorted().map { warningsByService[$0]! }
    if lastNode != node || nodeLevelSince != nil {
      let before = portsByService
      let state = fullState(node: node, warnings: warnings)
      // Each pending service's ports as they are now, or as they were when it has none left.
      var times: [ChangeTime] = []
      for (key, seen) in pending {
        for port in portsByService[key] ?? before[key] ?? [] { times.append(ChangeTime(family: port.family, seen: seen)) }
      }
      if let since = nodeLevelSince { times += IPFamily.allCases.map { ChangeTime(family: $0, seen: since) } }
      return ProxyChanges(node: node, full: state, warnings: warnings, oldestChange: oldest, changeTimes: times)
    }
    var changed: [ServicePortInfo] = []
    var removed: [ServicePortKey] = []
    var times: [ChangeTime] = []
    var pods = ServiceObjectIndex.PodLists()
    for (key, seen) in pending {
      let ports = index.servicePorts(of: key, node: node, pods: &pods)
      let keys = ports.map(\.key)
      for (portKey, info) in zip(keys, ports) where handedOut[portKey] != info {
        handedOut[portKey] = info
        changed.append(info)
        times.append(ChangeTime(family: portKey.family, seen: seen))
      }
      let kept = Set(keys)
      for portKey in portsByService[key] ?? [] where !kept.contains(portKey) {
        handedOut[portKey] = nil
        removed.append(portKey)
        times.append(ChangeTime(family: portKey.family, seen: seen))
      }
      portsByService[key] = keys.isEmpty ? nil : keys
    }
    changed.sort { ($0.family, $0.name) < ($1.family, $1.name) }
    removed.sort()
    let anything = !changed.isEmpty || !removed.isEmpty
    return ProxyChanges(
      node: node, changed: changed, removed: removed, warnings: warnings, oldestChange: anything ? oldest : nil,
      changeTimes: times)
  }

  /// Every service's ports, in the reconciler's order (family, then service, then port), and
  /// the record of what was handed out.
  private mutating func fullState(node: NodeConfig, warnings: [String]) -> ProxyState {
    handedOut = [:]
    portsByService = [:]
    var byFamily: [IPFamily: [ServicePortInfo]] = [:]
    var pods = ServiceObjectIndex.PodLists()
    for key in index.services.keys.sorted() {
      let ports = index.servicePorts(of: key, node: node, pods: &pods)
      guard !ports.isEmpty else { continue }
      var keys: [ServicePortKey] = []
      keys.reserveCapacity(ports.count)
      for info in ports {
        let portKey = info.key
        keys.append(portKey)
        handedOut[portKey] = info
        byFamily[info.family, default: []].append(info)
      }
      portsByService[key] = keys
    }
    return ProxyState(servicePorts: IPFamily.allCases.flatMap { byFamily[$0] ?? [] }, warnings: warnings)
  }
}

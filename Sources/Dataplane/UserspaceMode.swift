// The userspace mode: folds each batch of changes into the current state, builds the proxy
// table (ListenerPlan) from the whole state and hands it to the socket runtime to apply.
import ServiceProxy
import UserspaceProxy

/// Listeners the runtime could not open in one sync; the next sync retries them.
public struct UserspaceListenError: Error, Sendable, Equatable, CustomStringConvertible {
  /// Listen address → the service port it is for and the reason (`bind: Address in use`).
  public var failures: [(address: ListenAddress, servicePort: String, reason: String)]

  public var description: String {
    let shown = failures.prefix(5).map { "\($0.address) (\($0.servicePort)): \($0.reason)" }
    let more = failures.count > 5 ? "; and \(failures.count - 5) more" : ""
    return "cannot listen on " + shown.joined(separator: "; ") + more
  }

  public static func == (a: Self, b: Self) -> Bool { a.description == b.description }
}

/// kproxy's userspace dataplane over a `ProxyTableServing` runtime.
///
/// Every sync with changes (and every sync after a failed one) builds the table from the whole
/// state and applies it: the runtime diffs listeners itself, so the mode keeps no partial
/// state that could drift. Range-port assignments are saved after each sync that changed them.
public actor UserspaceMode: ProxyMode {
  public let server: any ProxyTableServing
  public let options: ListenerPlanOptions
  private let store: PortAssignmentStore?
  private let binder: ServiceIPBinding?
  private let onStatistics: (@Sendable (ProxyStatistics) async -> Void)?
  private let onWarnings: (@Sendable ([String]) -> Void)?

  private var node: NodeConfig?
  private var ports: [ServicePortKey: ServicePortInfo] = [:]
  private var assignments: PortAssignments
  /// The next sync applies even without changes (first sync, after a failure).
  private var needsApply = true
  /// The last table handed to the runtime.
  public private(set) var table = ProxyTable()
  /// The plan's warnings (SCTP skipped, conflicts, full port range) and the service ports moved
  /// to a range port, for the last sync.
  public private(set) var warnings: [String] = []
  /// With `--listen-address`: why service ports are not on their own port.
  public private(set) var reassigned: [ServicePortName: String] = [:]

  /// `store` keeps `--port-range` assignments across restarts (nil: only in memory); `binder`
  /// puts service IPs on kproxy's interface (`--bind-service-ips`); `onStatistics` gets the
  /// runtime's counters after each sync (the metrics); `onWarnings` the plan's warnings that
  /// the previous sync did not have (the log).
  public init(
    server: any ProxyTableServing, options: ListenerPlanOptions, store: PortAssignmentStore? = nil, binder: ServiceIPBinding? = nil,
    onWarnings: (@Sendable ([String]) -> Void)? = nil, onStatistics: (@Sendable (ProxyStatistics) async -> Void)? = nil
  ) {
    self.onWarnings = onWarnings
    self.server = server
    self.options = options
    self.store = store
    self.binder = binder
    self.onStatistics = onStatistics
    assignments = store?.load() ?? PortAssignments()
  }

  /// The state the mode serves, sorted as the reconciler sorts it.
  public var state: ProxyState { ProxyState(servicePorts: ports.keys.sorted().map { ports[$0]! }) }

  /// Service ports unsorted (conntrack plan, health checks).
  public var servicePorts: [ServicePortInfo] { Array(ports.values) }

  public func sync(_ changes: ProxyChanges, cause: SyncCause, context: SyncContext) async throws -> ModeSyncReport {
    let wasFull = needsApply || changes.full != nil || changes.node != node
    fold(changes)
    guard wasFull || !changes.isEmpty else {
      if let onStatistics { await onStatistics(await server.statistics()) }
      return ModeSyncReport(full: false, commands: 0)
    }
    needsApply = true
    let all = Array(ports.values)
    let plan = ListenerPlan(all, node: changes.node, options: Self.options(options, changes.node), previous: assignments)
    let known = Set(warnings)
    warnings = plan.warnings + Self.reassignments(plan)
    reassigned = plan.reassigned
    if plan.assignments != assignments {
      assignments = plan.assignments
      do {
        try store?.save(assignments)
      } catch {
        warnings.append("cannot save port assignments to \(store!.path): \(error)")
      }
    }
    if let onWarnings, case let new = warnings.filter({ !known.contains($0) }), !new.isEmpty { onWarnings(new) }
    if let binder { try await binder.bind(ListenerPlan.serviceIPs(all)) }
    let report = await server.apply(plan.table)
    table = plan.table
    if let onStatistics { await onStatistics(await server.statistics()) }
    if !report.failed.isEmpty {
      var owner: [ListenAddress: ServicePortName] = [:]
      for p in plan.table.ports.values { for a in p.listeners.keys { owner[a] = p.name } }
      throw UserspaceListenError(
        failures: report.failed.keys.sorted().map { a in
          (a, owner[a].map(PortAssignments.key) ?? "?", report.failed[a]!)
        })
    }
    needsApply = false
    return ModeSyncReport(full: wasFull, commands: report.opened.count + report.closed.count)
  }

  /// Closes every listener and removes the bound service IPs (on exit).
  public func shutdown() async {
    await server.shutdown()
    if let binder { await binder.remove() }
  }

  /// `default/b/TCP listens on 127.0.0.1:40000/TCP: port 80 is taken by default/a/TCP`, sorted.
  static func reassignments(_ plan: ListenerPlan) -> [String] {
    plan.reassigned.keys.sorted().compactMap { name in
      guard let address = plan.table.ports[name]?.listeners.keys.first else { return nil }
      return "\(PortAssignments.key(name)) listens on \(address): \(plan.reassigned[name]!)"
    }
  }

  /// The node's IPs are local addresses too (an externalIP that is a node IP gets a listener).
  static func options(_ options: ListenerPlanOptions, _ node: NodeConfig) -> ListenerPlanOptions {
    var o = options
    o.localAddresses.formUnion(node.nodeIPs)
    return o
  }

  private func fold(_ changes: ProxyChanges) {
    changes.apply(to: &ports)
    node = changes.node
  }
}

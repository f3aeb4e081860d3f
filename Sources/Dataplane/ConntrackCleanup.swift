// UDP conntrack cleanup after a sync, as kube-proxy runs it: per family, the plan from the
// current service ports (ServiceProxy) applied to one dump of the conntrack table (NFTNetlink).
import NFTNetlink
import NetAddress
import ServiceProxy

public enum ConntrackCleanup {
  /// After a sync that took the node from `previous` to `current` service ports (complete
  /// states, every family): deletes stale UDP flows when some UDP service port's endpoints
  /// changed (`ConntrackCleanupPlan.isRequired`), else does nothing and returns nil. Call it
  /// only after the new rules are committed: a flow deleted earlier would be re-created
  /// through the old rules.
  @discardableResult
  public static func run(
    previous: [ServicePortInfo], current: [ServicePortInfo], namespace: NetworkNamespace?
  ) throws -> ConntrackCleanupCount? {
    guard ConntrackCleanupPlan.isRequired(previous: previous, current: current) else { return nil }
    return try run(current: current, namespace: namespace)
  }

  /// Deletes every UDP flow that `current` makes stale (see `ConntrackCleanupPlan`), in both
  /// families; a family none of whose UDP service ports has a serving endpoint is not dumped.
  /// Both families are cleaned even when one fails; the first failure is thrown after.
  @discardableResult
  public static func run(current: [ServicePortInfo], namespace: NetworkNamespace?) throws -> ConntrackCleanupCount {
    var total = ConntrackCleanupCount()
    var firstError: Error?
    let plans = IPFamily.allCases.map { ConntrackCleanupPlan(family: $0, servicePorts: current) }.filter { !$0.isEmpty }
    guard !plans.isEmpty else { return total }
    let client = try ConntrackClient(namespace: namespace)
    for plan in plans {
      do {
        let count = try client.deleteFlows(family: plan.family, protocolNumber: ConntrackFlow.udp) { flow in
          plan.isStale(
            originalDestination: ConntrackAddressPort(flow.original.destination, Int(flow.original.destinationPort)),
            replySource: ConntrackAddressPort(flow.reply.source, Int(flow.reply.sourcePort)))
        }
        total.examined += count.examined
        total.deleted += count.deleted
        total.alreadyGone += count.alreadyGone
      } catch {
        if firstError == nil { firstError = error }
      }
    }
    if let firstError { throw firstError }
    return total
  }
}

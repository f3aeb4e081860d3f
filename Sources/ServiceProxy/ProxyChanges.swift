// The sync loop's input: what changed in the reconciler's output since the loop last asked,
// as the change trackers report it (or the whole state, when every service port may change).
import NetAddress

/// One service port of one family: the unit the incremental compiler adds, changes and removes.
public struct ServicePortKey: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var family: IPFamily
  public var name: ServicePortName

  public init(family: IPFamily, name: ServicePortName) {
    self.family = family
    self.name = name
  }

  public static func < (a: Self, b: Self) -> Bool { (a.family, a.name) < (b.family, b.name) }
  public var description: String { "\(name) (\(family.rawValue))" }
}

/// When the process first saw a change of one service port of one family: a start of the
/// network-programming latency, observed once per changed port (as kube-proxy observes once per
/// changed object) when the change is committed.
public struct ChangeTime: Sendable, Hashable {
  public var family: IPFamily
  public var seen: ContinuousClock.Instant

  public init(family: IPFamily, seen: ContinuousClock.Instant) {
    self.family = family
    self.seen = seen
  }
}

/// Changes to hand to the sync loop: produced by draining the change trackers.
public struct ProxyChanges: Sendable {
  /// The node as it is resolved now (flags, configuration file, Node object, ServiceCIDRs).
  public var node: NodeConfig
  /// The complete state, when the loop must recompile everything: the first sync, and any
  /// change of `node` (node IPs, zone, pod or service CIDRs), which can change every service
  /// port. When set, `changed` and `removed` are empty.
  public var full: ProxyState?
  /// Service ports that are new or whose info changed, with their new info.
  public var changed: [ServicePortInfo]
  /// Service ports that no longer exist.
  public var removed: [ServicePortKey]
  /// The reconciler's warnings for the current state (a Service without a cluster IP, …).
  public var warnings: [String]
  /// When the process first saw the oldest change in this batch: the start of the
  /// network-programming latency that the loop measures to the commit.
  public var oldestChange: ContinuousClock.Instant?
  /// One entry per service port this batch changes or removes (with a node-level change, one
  /// per family for the node): when its change was first seen.
  public var changeTimes: [ChangeTime]

  public init(
    node: NodeConfig, full: ProxyState? = nil, changed: [ServicePortInfo] = [], removed: [ServicePortKey] = [],
    warnings: [String] = [], oldestChange: ContinuousClock.Instant? = nil, changeTimes: [ChangeTime] = []
  ) {
    self.node = node
    self.full = full
    self.changed = changed
    self.removed = removed
    self.warnings = warnings
    self.oldestChange = oldestChange
    self.changeTimes = changeTimes
  }

  /// Nothing to do: no full state and no service port changed.
  public var isEmpty: Bool { full == nil && changed.isEmpty && removed.isEmpty }

  /// Folds this batch into a mode's table of every service port: replaced by `full`, else
  /// edited by `removed` and `changed`.
  public func apply(to ports: inout [ServicePortKey: ServicePortInfo]) {
    if let full {
      ports = Dictionary(full.servicePorts.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
    } else {
      for key in removed { ports[key] = nil }
      for info in changed { ports[info.key] = info }
    }
  }
}

extension ServicePortInfo {
  /// This service port's identity in the sync loop's changes.
  public var key: ServicePortKey { ServicePortKey(family: family, name: name) }
}

// The proxy's health as kube-proxy's ProxyHealthServer keeps it: per IP family the last successful
// sync and the oldest change still pending; healthy unless a pending change is older than the timeout.
import Foundation
import NetAddress

/// One IP family's part of a health report.
public struct FamilyHealth: Sendable, Hashable {
  /// The last successful sync of this family; nil before the first.
  public var lastUpdated: Date?
  public var healthy: Bool
}

/// A snapshot of the proxy's health (kube-proxy's `ProxyHealth`).
public struct HealthReport: Sendable, Hashable {
  /// The most recent successful sync of any family; nil before the first.
  public var lastUpdated: Date?
  public var currentTime: Date
  /// True unless some family has had a change pending for `healthTimeout` or longer.
  public var healthy: Bool
  public var families: [IPFamily: FamilyHealth]
}

/// Thread-safe health state that the sync loop updates and the HTTP servers read.
///
/// kube-proxy's rules (pkg/proxy/healthcheck/proxy_health.go): `QueuedUpdate` records the first
/// pending change of a family, `Updated` clears it and records the sync time; a family is unhealthy
/// when its oldest pending change is `healthTimeout` old (kube-proxy: 2 × syncPeriod). One difference,
/// on purpose: kube-proxy only judges families that synced at least once (a first sync that never
/// succeeds stays "healthy" forever); kproxy judges a family from its first queued change on.
public final class ProxyHealth: @unchecked Sendable {
  public let healthTimeout: Double
  private let clock: @Sendable () -> Date
  private let lock = NSLock()
  private var lastUpdated: [IPFamily: Date] = [:]
  private var oldestPending: [IPFamily: Date] = [:]
  private var nodeEligibleValue = true

  /// `healthTimeout` in seconds (kube-proxy uses 2 × syncPeriod); `clock` is injectable for tests.
  public init(healthTimeout: Double, clock: @escaping @Sendable () -> Date = { Date() }) {
    self.healthTimeout = healthTimeout
    self.clock = clock
  }

  /// A change that needs a sync arrived (kube-proxy's `QueuedUpdate`); keeps the oldest pending time.
  public func queued(_ families: [IPFamily] = IPFamily.allCases, at time: Date? = nil) {
    let time = time ?? clock()
    lock.withLock {
      for family in families where oldestPending[family] == nil { oldestPending[family] = time }
    }
  }

  /// A sync of `families` committed (kube-proxy's `Updated`): nothing pending, last update now.
  public func synced(_ families: [IPFamily] = IPFamily.allCases, at time: Date? = nil) {
    let time = time ?? clock()
    lock.withLock {
      for family in families {
        oldestPending[family] = nil
        lastUpdated[family] = time
      }
    }
  }

  /// A sync failed: the kernel is behind the desired state, as with a queued change (kube-proxy only
  /// retries; kproxy also starts the clock so that a sync that keeps failing turns the probe red).
  public func syncFailed(_ families: [IPFamily] = IPFamily.allCases, at time: Date? = nil) {
    queued(families, at: time)
  }

  /// Whether this node may take load-balancer traffic (/healthz only): false when the Node is being
  /// deleted or carries the cluster autoscaler's `ToBeDeletedByClusterAutoscaler` taint.
  public var nodeEligible: Bool {
    get { lock.withLock { nodeEligibleValue } }
    set { lock.withLock { nodeEligibleValue = newValue } }
  }

  /// kube-proxy's eligibility rule for a Node: not being deleted and without the autoscaler's taint.
  public static func isEligible(deleting: Bool, taintKeys: [String]) -> Bool {
    !deleting && !taintKeys.contains("ToBeDeletedByClusterAutoscaler")
  }

  /// The health now, ignoring node eligibility (kube-proxy's `Health()`).
  public func report() -> HealthReport {
    let now = clock()
    return lock.withLock {
      var report = HealthReport(lastUpdated: lastUpdated.values.max(), currentTime: now, healthy: true, families: [:])
      for family in Set(lastUpdated.keys).union(oldestPending.keys) {
        var healthy = true
        if let pending = oldestPending[family], now.timeIntervalSince(pending) >= healthTimeout { healthy = false }
        report.families[family] = FamilyHealth(lastUpdated: lastUpdated[family], healthy: healthy)
        if !healthy { report.healthy = false }
      }
      return report
    }
  }

  /// The health without node eligibility, as the health-check node ports report it.
  public var isHealthy: Bool { report().healthy }
}

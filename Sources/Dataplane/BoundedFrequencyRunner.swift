// When to sync (kube-proxy's BoundedFrequencyRunner as a pure state machine): at once after a
// quiet period, at most once per minimum interval in a burst, at least once per maximum interval.

/// Why a sync runs.
public enum SyncCause: Sendable, Hashable, CustomStringConvertible {
  /// Changes are pending.
  case changes
  /// A previous sync failed; this is its retry.
  case retry(failures: Int)
  /// Nothing changed for a whole sync period: the periodic sync (it checks for drift).
  case periodic

  public var description: String {
    switch self {
    case .changes: "changes"
    case .retry(let n): "retry after \(n) failed sync\(n == 1 ? "" : "s")"
    case .periodic: "periodic sync"
    }
  }
}

/// The runner's state. It does nothing itself: the driver asks `nextRun` when to run, tells it
/// `changed()` when a change arrives, `started` and `finished` around each run.
public struct BoundedFrequencyRunner: Sendable {
  public typealias Instant = ContinuousClock.Instant
  /// At most one run per `minInterval` (measured between starts).
  public let minInterval: Duration
  /// At least one run per `maxInterval` (measured from the end of the last run).
  public let maxInterval: Duration
  /// After a failed run, the next waits `retryBase` doubled per consecutive failure, at most
  /// `retryMax` (and never less than `minInterval` after the failed start).
  public let retryBase: Duration
  public let retryMax: Duration

  private var lastStart: Instant?
  private var lastEnd: Instant?
  private var pending = false
  private var failures = 0
  /// When the runner was created: the periodic runs count from here until the first run.
  private let origin: Instant

  public init(
    minInterval: Duration = .seconds(1), maxInterval: Duration = .seconds(30), retryBase: Duration = .seconds(1),
    retryMax: Duration = .seconds(30), now: Instant
  ) {
    self.minInterval = minInterval
    self.maxInterval = maxInterval
    self.retryBase = retryBase
    self.retryMax = retryMax
    origin = now
  }

  /// A change arrived: a run is pending.
  public mutating func changed() { pending = true }

  /// Whether a change is waiting for a run.
  public var hasPendingChanges: Bool { pending }

  /// Consecutive failed runs so far.
  public var consecutiveFailures: Int { failures }

  /// When the next run is due, and why. A due time in the past means "now".
  public func nextRun() -> (at: Instant, cause: SyncCause) {
    if failures > 0, let lastStart, let lastEnd {
      var backoff = retryBase
      for _ in 1..<min(failures, 30) where backoff < retryMax { backoff = backoff * 2 }
      backoff = min(backoff, retryMax)
      return (max(lastEnd + backoff, lastStart + minInterval), .retry(failures: failures))
    }
    if pending {
      guard let lastStart else { return (origin, .changes) }
      return (lastStart + minInterval, .changes)
    }
    return ((lastEnd ?? origin) + maxInterval, .periodic)
  }

  /// A run starts at `now`: it takes every change pending so far.
  public mutating func started(at now: Instant) {
    lastStart = now
    pending = false
  }

  /// The run that started last ended at `now`. A failed run is retried with backoff; the
  /// changes it took stay with the caller (the loop keeps them).
  public mutating func finished(at now: Instant, succeeded: Bool) {
    lastEnd = now
    failures = succeeded ? 0 : failures + 1
  }
}

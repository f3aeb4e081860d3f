// What the sync loop tells the outside (metrics, healthz, logs): a change queued, a sync
// started, a sync finished with its outcome. A recording observer serves tests.
import NetAddress
import Synchronization

/// The outcome of one sync, as metrics and health checks need it.
public struct SyncOutcome: Sendable, Hashable {
  public var number: Int
  public var cause: SyncCause
  /// Time from the start of the sync (drain included) to its end.
  public var duration: Duration
  /// The mode's report; nil when the sync failed.
  public var report: ModeSyncReport?
  /// The failure, in words; nil when the sync succeeded.
  public var failure: String?
  /// From the oldest change this sync committed (`ProxyChanges.oldestChange`, kept across
  /// failed syncs) to the commit; nil when there was none or the sync failed.
  public var networkProgrammingLatency: Duration?
  /// Every change this sync committed (`ProxyChanges.changeTimes`, kept across failed
  /// syncs), one per service port, from when it was seen to the commit: kube-proxy's
  /// network-programming latency, observed per change. Empty when the sync failed.
  public var changeLatencies: [ChangeLatency]
  /// Service ports changed and removed in the changes this sync drained (0 for a full state).
  public var servicePortChanges: Int
  /// The sync compiled a full state handed by the trackers (`ProxyChanges.full`).
  public var receivedFullState: Bool
  /// When it ended.
  public var end: ContinuousClock.Instant

  public var succeeded: Bool { failure == nil }
  /// Full or partial, as kube-proxy's metrics split it.
  public var full: Bool { report?.full ?? true }
}

/// One committed change's network-programming latency: seen by the process → committed.
public struct ChangeLatency: Sendable, Hashable {
  public var family: IPFamily
  public var latency: Duration

  public init(family: IPFamily, latency: Duration) {
    self.family = family
    self.latency = latency
  }
}

/// Receives the loop's events. Called from the loop's actor: implementations return quickly
/// and do their own locking.
public protocol SyncObserver: Sendable {
  /// A change arrived that the loop will sync (kube-proxy's healthz "queued update").
  func changeQueued(at: ContinuousClock.Instant)
  func syncStarted(number: Int, cause: SyncCause, at: ContinuousClock.Instant)
  func syncFinished(_ outcome: SyncOutcome)
}

/// Remembers every event, for tests.
public final class RecordingSyncObserver: SyncObserver {
  public enum Event: Sendable, Hashable {
    case queued
    case started(Int, SyncCause)
    case finished(SyncOutcome)
  }
  private let log = Mutex<[Event]>([])

  public init() {}

  public var events: [Event] { log.withLock { $0 } }
  public var outcomes: [SyncOutcome] {
    events.compactMap {
      if case .finished(let o) = $0 { return o }
      return nil
    }
  }

  public func changeQueued(at: ContinuousClock.Instant) { log.withLock { $0.append(.queued) } }
  public func syncStarted(number: Int, cause: SyncCause, at: ContinuousClock.Instant) {
    log.withLock { $0.append(.started(number, cause)) }
  }
  public func syncFinished(_ outcome: SyncOutcome) { log.withLock { $0.append(.finished(outcome)) } }
}

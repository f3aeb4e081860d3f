// The daemon's sync loop: drains the change trackers when the bounded-frequency runner says so,
// hands the changes to the mode, and reports every sync (duration, size, latency, failure).
import Foundation
import ServiceProxy

/// Runs syncs of one `ProxyMode`: at once after a quiet period, at most once per
/// `minSyncPeriod` in a burst, at least once per `syncPeriod`, retried with backoff after a
/// failure.
public actor SyncLoop {
  /// Returns everything that changed since the last call (the change trackers' drain).
  public typealias Drain = @Sendable () async -> ProxyChanges

  public let mode: ProxyMode
  private let drain: Drain
  private let observer: SyncObserver?
  private var runner: BoundedFrequencyRunner
  private var syncs = 0
  /// The oldest change not yet committed (kept across failed syncs).
  private var oldestUncommitted: ContinuousClock.Instant?
  /// Every change not yet committed, one per service port (kept across failed syncs).
  private var uncommitted: [ChangeTime] = []
  private var sleeper: Task<Void, Never>?

  /// `minSyncPeriod` and `syncPeriod` are kube-proxy's (`nftables.minSyncPeriod`, default 1 s;
  /// `nftables.syncPeriod`, default 30 s); a failed sync is retried after `retryBase`,
  /// doubled per consecutive failure up to `syncPeriod`.
  public init(
    mode: ProxyMode, drain: @escaping Drain, observer: SyncObserver? = nil, minSyncPeriod: Duration = .seconds(1),
    syncPeriod: Duration = .seconds(30), retryBase: Duration = .seconds(1)
  ) {
    self.mode = mode
    self.drain = drain
    self.observer = observer
    runner = BoundedFrequencyRunner(
      minInterval: minSyncPeriod, maxInterval: syncPeriod, retryBase: retryBase, retryMax: syncPeriod, now: .now)
  }

  /// Tells the loop that the trackers hold a change: it syncs at once, or as soon as the
  /// minimum period allows.
  public func changed() {
    runner.changed()
    observer?.changeQueued(at: .now)
    sleeper?.cancel()
  }

  /// Syncs until the calling task is cancelled; the first sync runs at once. Call it once
  /// every source has finished its initial list (the first drain should hold the full state).
  public func run() async {
    runner.changed()
    while !Task.isCancelled {
      let (at, cause) = runner.nextRun()
      if at > .now {
        let sleeper = Task { _ = try? await Task.sleep(until: at, clock: .continuous) }
        self.sleeper = sleeper
        await withTaskCancellationHandler {
          await sleeper.value
        } onCancel: {
          sleeper.cancel()
        }
        self.sleeper = nil
        continue
      }
      _ = await sync(cause: cause)
    }
  }

  /// Runs one sync now, whatever the runner says (tests; `run` uses it).
  @discardableResult
  public func sync(cause: SyncCause = .changes) async -> SyncOutcome {
    let clock = ContinuousClock()
    let start = clock.now
    runner.started(at: start)
    syncs += 1
    let number = syncs
    observer?.syncStarted(number: number, cause: cause, at: start)
    let changes = await drain()
    if let o = changes.oldestChange { oldestUncommitted = min(oldestUncommitted ?? o, o) }
    uncommitted += changes.changeTimes
    let context = SyncContext(number: number, cause: Self.describe(cause, changes), date: Date())
    var report: ModeSyncReport?
    var failure: String?
    do {
      report = try await mode.sync(changes, cause: cause, context: context)
    } catch {
      failure = "\(error)"
    }
    let end = clock.now
    var latency: Duration?
    var latencies: [ChangeLatency] = []
    if report != nil {
      if let o = oldestUncommitted { latency = end - o }
      latencies = uncommitted.map { ChangeLatency(family: $0.family, latency: end - $0.seen) }
      oldestUncommitted = nil
      uncommitted = []
    }
    runner.finished(at: end, succeeded: report != nil)
    let outcome = SyncOutcome(
      number: number, cause: cause, duration: end - start, report: report, failure: failure, networkProgrammingLatency: latency,
      changeLatencies: latencies,
      servicePortChanges: changes.changed.count + changes.removed.count, receivedFullState: changes.full != nil, end: end)
    observer?.syncFinished(outcome)
    return outcome
  }

  /// The cause in words, for the dry-run heading and logs.
  static func describe(_ cause: SyncCause, _ changes: ProxyChanges) -> String {
    var parts = [cause.description]
    if let full = changes.full {
      parts.append("full state of \(full.servicePorts.count) service port\(full.servicePorts.count == 1 ? "" : "s")")
    } else if !changes.isEmpty {
      parts.append(
        "\(changes.changed.count) service port\(changes.changed.count == 1 ? "" : "s") changed, \(changes.removed.count) removed")
    }
    return parts.joined(separator: ": ")
  }
}

import Dataplane
// `kproxy replay`: feeds a recording through the agent's own pieces — the object store, the
// change trackers (ObjectHub), the incremental compiler (NFTablesMode) and a backend (in memory,
// or a network namespace's kernel) — and after every event checks that what the backend holds
// equals a full compile of the objects seen so far.
import Foundation
import KubeAPI
import KubeSource
import NFTables
import ProxyRules
import ServiceProxy

/// What one replayed event led to.
public struct ReplayStep: Sendable {
  public var index: Int
  public var event: RecordedEvent
  /// The sync it caused (nil: nothing to sync yet, or nothing changed).
  public var sync: ModeSyncReport?
  /// The objects that differ between the backend and the full compile (empty: equal).
  public var differences: [String]
}

public struct ReplayReport: Sendable {
  public var events = 0
  public var syncs = 0
  public var checks = 0
  /// Event index and differences, for every check that failed.
  public var mismatches: [(index: Int, differences: [String])] = []
}

public struct Replayer: Sendable {
  public let recording: Recording
  public let settings: NodeSettings
  public let config: KubeProxyConfiguration?

  public init(recording: Recording, settings: NodeSettings, config: KubeProxyConfiguration?) {
    self.recording = recording
    self.settings = settings
    self.config = config
  }

  /// Replays every event into `backend`; `step` sees each one as it is checked.
  public func run(backend: TransactionBackend, step: (ReplayStep) throws -> Void = { _ in }) async throws -> ReplayReport {
    let hub = ObjectHub(settings: settings, config: config, systemHostname: recording.hostname, changed: {}, notify: { _ in })
    for resource in Set(recording.events.map(\.resource)).sorted() { await hub.register(source: KubeObjectStore.apiSourceName(resource)) }
    let mode = NFTablesMode(backend: backend)
    var mirror = ObjectMirror()
    var report = ReplayReport()
    for (i, recorded) in recording.events.enumerated() {
      report.events += 1
      await hub.apply(recorded.event, from: KubeObjectStore.apiSourceName(recorded.resource))
      mirror.apply(recorded.event, resource: recorded.resource)
      guard let changes = await hub.drain() else {
        try step(ReplayStep(index: i, event: recorded, sync: nil, differences: []))
        continue
      }
      report.syncs += 1
      let sync: ModeSyncReport
      do {
        sync = try await mode.sync(changes, cause: .changes, context: SyncContext(number: report.syncs, cause: "replay", date: Date()))
      } catch {
        // The agent would retry (reading the tables back first); the replay reports it and goes on.
        let failure = ["the sync failed: \(error)"]
        report.mismatches.append((i, failure))
        try step(ReplayStep(index: i, event: recorded, sync: nil, differences: failure))
        continue
      }
      let node = await hub.node()
      let full = RulesetCompiler.compile(Reconciler.reconcile(mirror.objects, node: node), node: node).ruleset
      let tables = full.tables.map(\.ref) + full.absentTables
      let actual = try await backend.currentRuleset(tables: tables, spelling: full)
      let differences = CanonicalRuleset(actual).difference(CanonicalRuleset(full))
      report.checks += 1
      if !differences.isEmpty { report.mismatches.append((i, differences)) }
      try step(ReplayStep(index: i, event: recorded, sync: sync, differences: differences))
    }
    return report
  }
}

/// The objects the recording holds at each point, kept apart from the hub: the full compile
/// the replay checks against must not share the trackers it checks.
struct ObjectMirror {
  private var byResource: [String: [NamespacedName: KubeObject]] = [:]

  mutating func apply(_ event: ResourceEvent, resource: String) {
    switch event {
    case .replaced(let objects, let rejected):
      let kept = (byResource[resource] ?? [:]).filter { rejected.contains($0.key) }
      var fresh = kept
      for o in objects { fresh[o.key] = o.object }
      byResource[resource] = fresh
    case .added(let o), .modified(let o): byResource[resource, default: [:]][o.key] = o.object
    case .deleted(let o): byResource[resource]?[o.key] = nil
    case .synced, .rejected, .interrupted: break
    }
  }

  var objects: ObjectSet {
    var set = ObjectSet()
    for resource in byResource.keys.sorted() {
      for (_, o) in byResource[resource]!.sorted(by: { $0.key < $1.key }) { set.append(o) }
    }
    return set
  }
}

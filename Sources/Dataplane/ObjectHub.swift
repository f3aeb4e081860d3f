// The agent's view of the cluster: every source's events go into one keyed object store, real
// changes into the change tracker, and the sync loop drains the tracker once every source synced.
import KubeAPI
import KubeSource
import NetAddress
import ServiceProxy

/// Something the hub wants the operator to know: a file that failed to decode, a watch that
/// was interrupted, an object defined twice. Nothing of it stops the agent.
public enum HubNotice: Sendable, Equatable {
  /// A source's input could not be used; its last good objects stay.
  case sourceError(source: String, message: String)
  /// A skipped object or file, a duplicate definition.
  case warning(String)
  /// A list or watch was interrupted and is retried (relist: it lists everything again).
  case interrupted(source: String, reason: String, relist: Bool)
  /// An object the API server sent failed validation; its last valid version stays.
  case rejected(source: String, message: String)
}

/// Sources → store → tracker. Drained by the sync loop; `changed` wakes it.
public actor ObjectHub {
  private var store = KubeObjectStore()
  private var tracker: ServiceChangeTracker
  private let settings: NodeSettings
  private let config: KubeProxyConfiguration?
  private let systemHostname: String
  private let changed: @Sendable () -> Void
  private let notify: @Sendable (HubNotice) -> Void
  /// Manifest files seen so far, as store source names ("file:PATH").
  private var fileSources: Set<String> = []

  /// The source gating the manifest folders until their initial read is complete.
  public static let manifestsSource = "manifests"

  /// `changed` is called after every event that changed something (the sync loop's runner
  /// decides when to sync); `notify` receives everything worth a log line.
  public init(
    settings: NodeSettings, config: KubeProxyConfiguration?, systemHostname: String,
    changed: @escaping @Sendable () -> Void, notify: @escaping @Sendable (HubNotice) -> Void
  ) {
    self.settings = settings
    self.config = config
    self.systemHostname = systemHostname
    self.changed = changed
    self.notify = notify
    tracker = ServiceChangeTracker(hostname: settings.hostname(config: config, systemHostname: systemHostname))
  }

  /// Registers a source that must sync before anything is synced to the kernel.
  public func register(source: String) { store.register(source: source) }

  /// True once every registered source has delivered its initial state.
  public var isSynced: Bool { store.isSynced }

  /// Whether the tracker holds changes not drained yet.
  public var hasPendingChanges: Bool { tracker.hasPendingChanges }

  /// One event of the manifest folder watcher. A file that fails keeps its last good objects.
  public func apply(_ event: ManifestFolderEvent) {
    switch event {
    case .objects(let file, let manifest):
      let source = "file:\(file)"
      if fileSources.insert(source).inserted { store.register(source: source) }
      record(store.replace(source: source, with: manifest.objects.map { APIObject(object: $0.object, resourceVersion: "") }))
      store.markSynced(source: source)
      for notice in manifest.skipped.compactMap(\.notice) { notify(.warning(notice)) }
    case .removed(let file):
      let source = "file:\(file)"
      guard fileSources.remove(source) != nil else { return }
      record(store.remove(source: source))
    case .failed(let file, let error):
      notify(.sourceError(source: "file:\(file)", message: error.description))
    case .warning(let text):
      notify(.warning(text))
    case .synced:
      store.markSynced(source: Self.manifestsSource)
      changed()
    }
  }

  /// One event of an API resource's list + watch, from the source named `source`.
  public func apply(_ event: ResourceEvent, from source: String) {
    switch event {
    case .interrupted(let reason, _, let relist):
      notify(.interrupted(source: source, reason: reason, relist: relist))
    case .rejected(let object):
      notify(.rejected(source: source, message: object.description))
    case .synced:
      _ = store.apply(event, from: source)
      changed()
      return
    default:
      break
    }
    record(store.apply(event, from: source))
  }

  private func record(_ changes: [ObjectChange]) {
    for conflict in store.takeConflicts() { notify(.warning(conflict)) }
    guard !changes.isEmpty else { return }
    tracker.record(changes)
    changed()
  }

  /// The node as resolved from the flags, the config file and the store's Node and
  /// ServiceCIDR objects.
  public func node() -> NodeConfig {
    settings.resolve(config: config, index: tracker.index, systemHostname: systemHostname)
  }

  /// The Services that ask for a health-check node port (`externalTrafficPolicy: Local`).
  public func healthCheckServices() -> [Service] {
    tracker.index.services.values.filter { $0.healthCheckNodePort != 0 }
  }

  /// What changed since the last drain (the full state on the first one), or nil while some
  /// source has not synced: nothing may reach the kernel before every source listed.
  public func drain() -> ProxyChanges? {
    guard store.isSynced else { return nil }
    return tracker.drain(node: node())
  }
}

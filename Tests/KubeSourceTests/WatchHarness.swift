// Shared by the list/watch tests: service objects for the store, a recorder of a ListWatch's
// events (with the consumer's ResourceCache), and a server + client + running ListWatch.
import Foundation
import KubeAPI
import KubeSource
import KubeTestServer
import Testing

/// Objects to put into the test server's store.
enum TestObjects {
  /// A valid ClusterIP service: `namespace/name` at 10.96.(n/250).(n%250+1), one TCP port.
  static func service(_ name: String, _ n: Int, namespace: String = "default", port: Int = 80) -> [String: Any] {
    [
      "apiVersion": "v1", "kind": "Service", "metadata": ["name": name, "namespace": namespace, "labels": ["app": name]],
      "spec": ["clusterIP": "10.96.\(n / 250).\(n % 250 + 1)", "ports": [["name": "http", "port": port, "protocol": "TCP"]]],
    ]
  }
}

/// Collects a ListWatch's events and applies them to a ResourceCache, as a consumer would.
final class EventRecorder: @unchecked Sendable {
  private let lock = NSLock()
  private var _events: [ResourceEvent] = []
  private var _cache = ResourceCache()
  private var _changes: [Set<NamespacedName>] = []

  func record(_ event: ResourceEvent) {
    lock.withLock {
      _events.append(event)
      _changes.append(_cache.apply(event))
    }
  }

  var events: [ResourceEvent] { lock.withLock { _events } }
  var cache: ResourceCache { lock.withLock { _cache } }
  /// The keys each event changed in the cache, in event order.
  var changes: [Set<NamespacedName>] { lock.withLock { _changes } }

  /// Names and resourceVersions in the cache, sorted.
  var view: [String: String] {
    lock.withLock { Dictionary(uniqueKeysWithValues: _cache.objects.map { ($0.key.description, $0.value.resourceVersion) }) }
  }

  func count(where predicate: (ResourceEvent) -> Bool) -> Int { events.filter(predicate).count }
}

/// A test server, a client for it and one running ListWatch of services feeding an EventRecorder.
struct WatchHarness {
  let server: KubeTestServer
  let client: APIClient
  let recorder = EventRecorder()
  private let task: Task<Void, Never>

  static let fastBackoff = Backoff(initial: 0.01, maximum: 0.1, factor: 2, jitter: 0.2, maximumRetryAfter: 2)

  /// Starts the server (with `seed` objects stored first), the client and the watch.
  static func start(
    options: ListWatchOptions = ListWatchOptions(pageSize: 3), resource: KubeResource = .services,
    seed: (ObjectStore) throws -> Void = { _ in }, faults: (KubeTestServer) -> Void = { _ in }
  ) async throws -> WatchHarness {
    let server = try await KubeTestServer.start()
    try seed(server.store)
    // Faults are armed before the client starts, so that its first requests meet them.
    faults(server)
    let client = try APIClient(connection: ClusterConnection(server: server.url))
    return WatchHarness(server: server, client: client, resource: resource, options: options)
  }

  init(server: KubeTestServer, client: APIClient, resource: KubeResource = .services, options: ListWatchOptions) {
    self.server = server
    self.client = client
    let recorder = self.recorder
    let events = ListWatch(client: client, resource: resource, options: options, backoff: Self.fastBackoff).events()
    task = Task {
      for await event in events { recorder.record(event) }
    }
  }

  /// The store's services as "namespace/name" → resourceVersion.
  var serverView: [String: String] {
    Dictionary(
      uniqueKeysWithValues: server.store.objects(of: .services).map {
        (NamespacedName(namespace: $0.key.namespace, name: $0.key.name).description, String($0.resourceVersion))
      })
  }

  /// Waits until the client's view equals the server's store.
  func waitConverged(timeout: Double = 10, sourceLocation: SourceLocation = #_sourceLocation) async throws {
    try await waitUntil(timeout: timeout, { recorder.cache.isSynced && recorder.view == serverView }, sourceLocation: sourceLocation)
  }

  func stop() async throws {
    task.cancel()
    _ = await task.value
    try await client.shutdown()
    try await server.shutdown()
  }
}

extension ResourceEvent {
  var isReplaced: Bool { if case .replaced = self { true } else { false } }
  var isInterrupted: Bool { if case .interrupted = self { true } else { false } }
  var relists: Bool { if case .interrupted(_, _, true) = self { true } else { false } }
  /// The object of an added/modified/deleted event.
  var change: APIObject? {
    switch self {
    case .added(let object), .modified(let object), .deleted(let object): object
    default: nil
    }
  }
}

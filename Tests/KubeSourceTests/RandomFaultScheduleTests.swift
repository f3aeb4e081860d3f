// A seeded random schedule of creates, updates and deletes on the test server with faults injected
// between them (compaction, dropped/expired/closed watches, 5xx, slow streams, expired continue
// tokens); the client's view must end equal to the store, with no stale or repeated event.
import Foundation
import KubeAPI
import KubeSource
import KubeTestServer
import TestSupport
import Testing

@Suite struct RandomFaultScheduleTests {
  /// KPROXY_WATCH_SEED reproduces a run; otherwise three fixed seeds and one random one.
  static var seeds: [UInt64] {
    if let text = ProcessInfo.processInfo.environment["KPROXY_WATCH_SEED"], let seed = UInt64(text) { return [seed] }
    return [1, 2, 3, UInt64.random(in: 4...UInt64.max)]
  }

  @Test(arguments: seeds)
  func clientViewMatchesTheStoreUnderRandomFaults(seed: UInt64) async throws {
    print("RandomFaultScheduleTests seed \(seed) (rerun with KPROXY_WATCH_SEED=\(seed))")
    var random = SeededRandom(seed: seed)
    let harness = try await WatchHarness.start(options: ListWatchOptions(pageSize: 4))
    let server = harness.server
    let store = server.store
    var names: [String] = []
    var created = 0
    for step in 1...200 {
      switch Int.random(in: 0..<20, using: &random) {
      case 0..<7:
        created += 1
        let name = "svc-\(created)"
        try store.create(.services, namespace: ["a", "b"].randomElement(using: &random)!, object: TestObjects.service(name, created))
        names.append(name)
      case 7..<11 where !names.isEmpty:
        let name = names.randomElement(using: &random)!
        let key = Self.key(store, name)
        let port = Int.random(in: 1...65535, using: &random)
        try store.update(key, resource: .services, object: TestObjects.service(name, 0, namespace: key.namespace, port: port))
      case 11..<13 where !names.isEmpty:
        let index = Int.random(in: 0..<names.count, using: &random)
        try store.delete(Self.key(store, names.remove(at: index)), resource: .services)
      case 13: store.compact()
      case 14: server.endWatches([WatchEnding.clean, .expired, .abrupt, .internalError].randomElement(using: &random)!)
      case 15:
        let retryAfter = Bool.random(using: &random) ? 0 : nil
        server.inject(InjectedFailure(count: Int.random(in: 1...3, using: &random), status: 503, retryAfterSeconds: retryAfter))
      case 16: server.setSlowStreams(Bool.random(using: &random) ? 0.002 : 0)
      case 17: store.sendBookmarks()
      case 18: server.compactBefore(matching: "continue=")
      default:
        try await Task.sleep(nanoseconds: UInt64.random(in: 0...3_000_000, using: &random))
      }
      if step % 50 == 0 {
        server.setSlowStreams(0)
        try await harness.waitConverged(timeout: 20)
      }
    }
    server.setSlowStreams(0)
    try await harness.waitConverged(timeout: 20)
    Self.checkNoStaleOrRepeatedEvent(harness.recorder.events)
    try await harness.stop()
  }

  static func key(_ store: ObjectStore, _ name: String) -> ObjectKey {
    store.objects(of: .services).first { $0.key.name == name }!.key
  }

  /// Every watch resumes where the last applied event left off, so the added/modified/deleted
  /// events carry strictly increasing resourceVersions across reconnects and relists, and none is
  /// older than the snapshot before it: no stale event applied, none applied twice.
  static func checkNoStaleOrRepeatedEvent(_ events: [ResourceEvent], sourceLocation: SourceLocation = #_sourceLocation) {
    var last = 0
    var seen = Set<String>()
    for event in events {
      switch event {
      case .replaced(let objects, _):
        let newest = objects.compactMap { Int($0.resourceVersion) }.max() ?? 0
        #expect(newest >= last || objects.isEmpty, "a relist went back in time", sourceLocation: sourceLocation)
      case .added(let object), .modified(let object), .deleted(let object):
        let version = Int(object.resourceVersion) ?? -1
        #expect(version > last, "stale or repeated event \(event) after \(last)", sourceLocation: sourceLocation)
        #expect(seen.insert("\(object.key)@\(version)").inserted, sourceLocation: sourceLocation)
        last = version
      default:
        break
      }
    }
  }
}

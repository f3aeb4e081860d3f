// The recording format (every event type survives a line and back; errors name file and line)
// and the replay's check: equal to a full compile on a faithful backend, and a backend that
// loses a transaction is caught.
import Dataplane
import Foundation
import KubeAPI
import KubeSource
import NFTables
import Recording
import ServiceProxy
import Testing

@Suite struct RecordingTests {
  static func decode(_ yaml: String) throws -> KubeObject {
    try ManifestDecoder.decodeObjects(yaml, file: "t.yaml").objects[0].object
  }
  static let service = try! decode(
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {clusterIP: 10.96.0.10, ports: [{name: http, port: 80, targetPort: 8080}]}\n"
  )
  static func slice(_ ips: [String]) -> KubeObject {
    try! decode(
      """
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
      addressType: IPv4
      endpoints: [\(ips.map { "{addresses: [\($0)], conditions: {ready: true}}" }.joined(separator: ", "))]
      ports: [{name: http, port: 8080}]
      """)
  }
  static let node = try! decode(
    "apiVersion: v1\nkind: Node\nmetadata: {name: node-a}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.2}]}\n")

  /// Lists of every resource, then three endpoint changes.
  static var recording: Recording {
    func api(_ o: KubeObject, _ rv: String = "1") -> APIObject { APIObject(object: o, resourceVersion: rv) }
    var events: [RecordedEvent] = []
    for (resource, objects) in [("services", [service]), ("endpointslices", [slice(["10.244.1.1"])]), ("nodes", [node]), ("pods", [])] {
      events.append(RecordedEvent(at: 0, resource: resource, event: .replaced(objects.map { api($0) }, rejected: [])))
      events.append(RecordedEvent(at: 0, resource: resource, event: .synced))
    }
    events.append(RecordedEvent(at: 1, resource: "endpointslices", event: .modified(api(slice(["10.244.1.1", "10.244.1.2"]), "2"))))
    events.append(RecordedEvent(at: 2, resource: "endpointslices", event: .modified(api(slice(["10.244.1.2"]), "3"))))
    events.append(RecordedEvent(at: 3, resource: "services", event: .deleted(api(service, "4"))))
    return Recording(hostname: "node-a", server: "test", events: events)
  }

  @Test func everyEventTypeSurvivesALine() throws {
    var all = Self.recording.events
    all.append(
      RecordedEvent(at: 4.25, resource: "services", event: .replaced([], rejected: [NamespacedName(namespace: "a", name: "b")])))
    all.append(RecordedEvent(at: 5, resource: "pods", event: .interrupted(reason: "watch closed", retryDelay: 1.5, relist: true)))
    for (i, e) in all.enumerated() {
      #expect(try RecordedEvent.parse(e.jsonLine(), file: "events.jsonl", number: i + 1) == e)
    }
  }

  @Test(arguments: [
    ("nope", "events.jsonl line 7: not a JSON object"),
    (#"{"at": 1, "resource": "services"}"#, "events.jsonl line 7: needs at, resource and type"),
    (#"{"at": 1, "resource": "services", "type": "exploded"}"#, "events.jsonl line 7: type: exploded is not"),
    (
      #"{"at": 1, "resource": "services", "type": "added", "item": {"object": {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x; flush ruleset"}, "spec": {"ports": [{"port": 80}]}}}}"#,
      "metadata.name: \"x; flush ruleset\" is not a valid name"
    ),
  ])
  func badLinesAreErrorsNamingTheLine(line: String, message: String) {
    #expect {
      try RecordedEvent.parse(line, file: "events.jsonl", number: 7)
    } throws: { error in
      "\(error)".contains(message)
    }
  }

  @Test func aFaithfulBackendEqualsAFullCompileAfterEveryEvent() async throws {
    let replayer = Replayer(recording: Self.recording, settings: NodeSettings(), config: nil)
    let report = try await replayer.run(backend: InMemoryBackend())
    #expect(report.events == 11)
    #expect(report.syncs == 4)
    #expect(report.checks == 4)
    #expect(report.mismatches.isEmpty, "\(report.mismatches)")
  }

  @Test func aBackendThatLosesATransactionIsCaught() async throws {
    let replayer = Replayer(recording: Self.recording, settings: NodeSettings(), config: nil)
    let report = try await replayer.run(backend: LosingBackend(loses: 2))
    // The lost change shows at once; the next sync fails on the missing objects (reported), and
    // the one after reads the tables back and repairs them.
    #expect(report.mismatches.map(\.index) == [8, 9])
    #expect(report.mismatches.first?.differences.contains { $0.contains("endpoints-") } == true)
    #expect(report.mismatches.last?.differences.first?.hasPrefix("the sync failed") == true)
  }
}

/// An in-memory backend that silently drops its Nth transaction (counting from 1).
actor LosingBackend: TransactionBackend {
  let inner = InMemoryBackend()
  let loses: Int
  var count = 0
  init(loses: Int) { self.loses = loses }
  func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext) async throws {
    count += 1
    if count != loses { try await inner.apply(tx, knownSets: knownSets, context: context) }
  }
  func currentRuleset(tables: [TableRef], spelling: Ruleset?) async throws -> Ruleset {
    try await inner.currentRuleset(tables: tables, spelling: spelling)
  }
  func generation() async throws -> UInt32 { try await inner.generation() }
}

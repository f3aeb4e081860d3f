// The list + watch client against the test API server: pagination, watching from the list's
// resourceVersion, bookmarks, relists after compaction, expired continue tokens, invalid objects.
import Foundation
import KubeAPI
import KubeSource
import KubeTestServer
import Testing

@Suite struct ListWatchTests {
  @Test func listsInPagesThenWatchesFromTheListResourceVersion() async throws {
    let harness = try await WatchHarness.start { store in
      for n in 0..<7 { try store.create(.services, namespace: "default", object: TestObjects.service("web-\(n)", n)) }
    }
    try await harness.waitConverged()
    let listRV = harness.server.store.currentResourceVersion
    #expect(harness.recorder.events.prefix(2).map(\.isReplaced) == [true, false])
    #expect(harness.recorder.events[1] == .synced)
    try harness.server.store.create(.services, namespace: "other", object: TestObjects.service("late", 9))
    try await harness.waitConverged()
    let requests = harness.server.requests.filter { $0.contains("/api/v1/services") }
    #expect(requests.filter { $0.contains("limit=3") }.count == 3)
    #expect(requests.filter { $0.contains("continue=") }.count == 2)
    #expect(
      requests.contains { $0.contains("watch=1") && $0.contains("resourceVersion=\(listRV)") && $0.contains("allowWatchBookmarks=true") })
    if case .added(let object) = harness.recorder.events.last {
      #expect(object.key == NamespacedName(namespace: "other", name: "late"))
      #expect(object.resourceVersion == String(listRV + 1))
    } else {
      Issue.record("last event is not ADDED: \(String(describing: harness.recorder.events.last))")
    }
    try await harness.stop()
  }

  @Test func expiredContinueTokenStartsTheListOver() async throws {
    let harness = try await WatchHarness.start(
      options: ListWatchOptions(pageSize: 2),
      seed: { store in
        for n in 0..<5 { try store.create(.services, namespace: "default", object: TestObjects.service("web-\(n)", n)) }
      },
      faults: { $0.compactBefore(matching: "continue=") })
    try await harness.waitConverged()
    let events = harness.recorder.events
    #expect(events.filter(\.relists).count == 1, "\(events.filter(\.isInterrupted)) \(harness.server.requests)")
    #expect(events.filter(\.isReplaced).count == 1)
    let lists = harness.server.requests.filter { $0.contains("limit=2") }
    #expect(lists.count == 5)  // page 1, the expired page 2, then pages 1-3 again
    try await harness.stop()
  }

  @Test func bookmarksAdvanceTheWatchResourceVersion() async throws {
    let harness = try await WatchHarness.start()
    try await harness.waitConverged()
    try await waitUntil { harness.server.openWatchCount(.services) == 1 }
    // Changes to another resource move the global resourceVersion; only a bookmark tells the client.
    for n in 0..<3 { try harness.server.store.create(.pods, namespace: "default", object: ["metadata": ["name": "p\(n)"]]) }
    let bookmarkRV = harness.server.store.currentResourceVersion
    harness.server.store.sendBookmarks()
    try await Task.sleep(nanoseconds: 100_000_000)
    harness.server.endWatches(.clean)
    try await waitUntil { harness.server.requests.contains { $0.contains("watch=1") && $0.contains("resourceVersion=\(bookmarkRV)") } }
    #expect(harness.recorder.events.filter(\.isReplaced).count == 1)
    try await harness.stop()
  }

  @Test(arguments: [WatchEnding.clean, .expired])
  func compactionLeadsToGoneAndOneRelist(ending: WatchEnding) async throws {
    let harness = try await WatchHarness.start { store in
      for n in 0..<4 { try store.create(.services, namespace: "default", object: TestObjects.service("web-\(n)", n)) }
    }
    try await harness.waitConverged()
    try await waitUntil { harness.server.openWatchCount(.services) == 1 }
    harness.server.endWatches(.abrupt)
    // While the client reconnects: changes, then compaction past its resourceVersion.
    let store = harness.server.store
    try store.delete(ObjectKey(resource: "services", namespace: "default", name: "web-0"), resource: .services)
    try store.update(
      ObjectKey(resource: "services", namespace: "default", name: "web-1"), resource: .services,
      object: TestObjects.service("web-1", 1, port: 81))
    try store.create(.services, namespace: "default", object: TestObjects.service("web-9", 9))
    store.compact()
    if ending == .expired {
      // The reconnect may have seen the changes already; an ERROR 410 on the open watch forces the relist.
      try await waitUntil { harness.server.openWatchCount(.services) == 1 }
      harness.server.endWatches(.expired)
    }
    try await harness.waitConverged()
    #expect(
      harness.recorder.events.contains(where: \.relists) || ending == .clean && harness.recorder.events.filter(\.isReplaced).count == 1)
    #expect(harness.recorder.view == harness.serverView)
    try await harness.stop()
  }

  @Test func watchAnsweredWithHTTP410Relists() async throws {
    let harness = try await WatchHarness.start { store in
      try store.create(.services, namespace: "default", object: TestObjects.service("web", 1))
    }
    try await harness.waitConverged()
    try await waitUntil { harness.server.openWatchCount(.services) == 1 }
    harness.server.setWatchGoneAsHTTPStatus(true)
    let store = harness.server.store
    try store.create(.services, namespace: "default", object: TestObjects.service("api", 2))
    store.compact(afterUnrelatedWrite: true)
    harness.server.endWatches(.abrupt)
    try await waitUntil { harness.recorder.events.filter(\.isReplaced).count == 2 }
    try await harness.waitConverged()
    let relists = harness.recorder.events.filter(\.relists).map { event -> String in
      if case .interrupted(let reason, _, _) = event { return reason }
      return ""
    }
    #expect(relists.contains { $0.contains("HTTP 410 Expired") }, "\(relists)")
    try await harness.stop()
  }

  @Test func relistWithNothingChangedChangesNothing() async throws {
    let harness = try await WatchHarness.start { store in
      for n in 0..<3 { try store.create(.services, namespace: "default", object: TestObjects.service("web-\(n)", n)) }
    }
    try await harness.waitConverged()
    try await waitUntil { harness.server.openWatchCount(.services) == 1 }
    harness.server.store.compact()
    harness.server.endWatches(.expired)
    try await waitUntil { harness.recorder.events.filter(\.isReplaced).count == 2 }
    let changes = harness.recorder.changes
    let replaces = zip(harness.recorder.events, changes).filter { $0.0.isReplaced }.map(\.1)
    #expect(replaces.map(\.count) == [3, 0])
    try await harness.stop()
  }

  @Test func invalidObjectIsSkippedAndReported() async throws {
    let harness = try await WatchHarness.start { store in
      try store.create(.services, namespace: "default", object: TestObjects.service("good", 1))
      try store.create(.services, namespace: "default", object: TestObjects.service("bad", 2, port: 70000))
    }
    try await waitUntil { harness.recorder.cache.isSynced }
    try harness.server.store.create(.services, namespace: "x;drop", object: TestObjects.service("evil", 3))
    try harness.server.store.create(.services, namespace: "default", object: TestObjects.service("after", 4))
    try await waitUntil { harness.recorder.cache.objects.count == 2 }
    let rejected = harness.recorder.events.compactMap { event -> String? in
      if case .rejected(let object) = event { return object.description }
      return nil
    }
    #expect(
      rejected == [
        "list services doc 1 (default/bad): spec.ports[0].port: 70000 is not a valid port (must be 1-65535)",
        "watch services doc 1: metadata.namespace: \"x;drop\" is not a valid namespace (DNS-1123 label): must be a DNS-1123 label: "
          + "lower-case letters, digits and '-', starting and ending with a letter or digit",
      ])
    #expect(harness.recorder.cache.objects.keys.map(\.name).sorted() == ["after", "good"])
    try await harness.stop()
  }

  @Test func objectTurnedInvalidKeepsItsLastValidVersionAcrossRelists() async throws {
    let harness = try await WatchHarness.start { store in
      try store.create(.services, namespace: "default", object: TestObjects.service("web", 1))
    }
    try await harness.waitConverged()
    let valid = harness.recorder.cache.objects[NamespacedName(namespace: "default", name: "web")]
    try await waitUntil { harness.server.openWatchCount(.services) == 1 }
    let key = ObjectKey(resource: "services", namespace: "default", name: "web")
    try harness.server.store.update(key, resource: .services, object: TestObjects.service("web", 1, port: 0))
    try await waitUntil { harness.recorder.events.contains { if case .rejected = $0 { true } else { false } } }
    harness.server.store.compact(afterUnrelatedWrite: true)
    harness.server.endWatches(.expired)
    try await waitUntil { harness.recorder.events.filter(\.isReplaced).count == 2 }
    #expect(harness.recorder.cache.objects[NamespacedName(namespace: "default", name: "web")] == valid)
    #expect(harness.recorder.changes.last(where: { _ in true }) == [])
    try await harness.stop()
  }
}

@Suite struct NotServedResourceTests {
  static let widgets = KubeResource(group: "example.com", version: "v1", name: "widgets", kind: "Widget", namespaced: false)

  @Test func aResourceTheServerDoesNotServeIsEmptyAndSyncedWhenAllowed() async throws {
    var options = ListWatchOptions()
    options.emptyWhenNotServed = true
    let harness = try await WatchHarness.start(options: options, resource: Self.widgets)
    try await waitUntil { harness.recorder.cache.isSynced }
    #expect(harness.recorder.cache.objects.isEmpty)
    #expect(harness.recorder.events.contains { if case .interrupted(let reason, _, _) = $0 { reason.contains("HTTP 404") } else { false } })
    try await harness.stop()
  }

  @Test func withoutTheOptionANotServedResourceNeverSyncs() async throws {
    let harness = try await WatchHarness.start(resource: Self.widgets)
    try await Task.sleep(for: .milliseconds(300))
    #expect(!harness.recorder.cache.isSynced)
    try await harness.stop()
  }
}

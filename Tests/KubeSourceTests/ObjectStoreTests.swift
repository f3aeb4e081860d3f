// The object store: named sources replacing and editing their sets, duplicates across sources
// (first owner keeps it, takeover on drop), the synced gate, no-op updates, and API events.
import KubeAPI
import NetAddress
import Testing

@testable import KubeSource

private func svc(_ name: String, port: Int = 80, labels: [String: String] = [:]) -> KubeObject {
  .service(
    Service(
      meta: ObjectMeta(name: name, namespace: "default", labels: labels), clusterIPs: [IPAddress("10.96.0.1")!],
      ports: [.init(port: port)]))
}

private func api(_ object: KubeObject, _ rv: String = "") -> APIObject { APIObject(object: object, resourceVersion: rv) }
private let web = NamespacedName(namespace: "default", name: "web")

/// A change in short form: "+web", "~web", "-web".
private func summary(_ changes: [ObjectChange]) -> [String] {
  changes.map { c in (c.old == nil ? "+" : c.new == nil ? "-" : "~") + c.key.name }
}

@Suite struct ObjectStoreTests {
  @Test func replaceReportsOnlyRealChanges() {
    var store = KubeObjectStore()
    #expect(summary(store.replace(source: "file:a", with: [api(svc("web")), api(svc("db"))])) == ["+db", "+web"])
    // The same content again (a relist or re-read file that finds nothing changed).
    #expect(store.replace(source: "file:a", with: [api(svc("db")), api(svc("web"))]).isEmpty)
    #expect(summary(store.replace(source: "file:a", with: [api(svc("web", port: 81))])) == ["-db", "~web"])
    #expect(store.objectSet.services.map(\.meta.name) == ["web"])
  }

  @Test func noOpUpdatesDisappear() {
    var store = KubeObjectStore()
    _ = store.upsert(source: "api:services", object: api(svc("web"), "1"))
    // A new resourceVersion with the same decoded content (status or managedFields changed).
    #expect(store.upsert(source: "api:services", object: api(svc("web"), "2")).isEmpty)
    #expect(store.object(kind: "Service", key: web)?.resourceVersion == "2")
    // A resync echo: same resourceVersion.
    #expect(store.upsert(source: "api:services", object: api(svc("web"), "2")).isEmpty)
    let change = store.upsert(source: "api:services", object: api(svc("web", port: 90), "3"))
    #expect(change == [ObjectChange(kind: "Service", key: web, old: svc("web"), new: svc("web", port: 90))])
    #expect(summary(store.delete(source: "api:services", kind: "Service", key: web)) == ["-web"])
    #expect(store.delete(source: "api:services", kind: "Service", key: web).isEmpty)
  }

  @Test func sameIdentityFromTwoSourcesFirstKeepsItAndOtherTakesOver() {
    var store = KubeObjectStore()
    #expect(summary(store.replace(source: "file:a.yaml", with: [api(svc("web", port: 1))])) == ["+web"])
    // The second definition changes nothing, and is reported once, naming both places.
    #expect(store.replace(source: "file:b.yaml", with: [api(svc("web", port: 2))]).isEmpty)
    #expect(store.takeConflicts() == ["duplicate Service default/web: defined by file:a.yaml and by file:b.yaml; file:a.yaml's is used"])
    #expect(store.replace(source: "file:b.yaml", with: [api(svc("web", port: 3))]).isEmpty)
    #expect(store.takeConflicts().isEmpty)
    // A different kind with the same namespace/name is another identity.
    let slice = KubeObject.endpointSlice(
      EndpointSlice(meta: ObjectMeta(name: "web", namespace: "default"), addressType: .ipv4, endpoints: [], ports: []))
    #expect(summary(store.upsert(source: "file:b.yaml", object: api(slice))) == ["+web"])
    #expect(store.takeConflicts().isEmpty)
    // The owner drops it: b's version takes over.
    let takeover = store.remove(source: "file:a.yaml")
    #expect(takeover == [ObjectChange(kind: "Service", key: web, old: svc("web", port: 1), new: svc("web", port: 3))])
    #expect(store.object(kind: "Service", key: web)?.object == svc("web", port: 3))
    // Defined again by a: b owns it now.
    #expect(store.upsert(source: "file:a.yaml", object: api(svc("web", port: 1))).isEmpty)
    #expect(store.takeConflicts() == ["duplicate Service default/web: defined by file:b.yaml and by file:a.yaml; file:b.yaml's is used"])
    // The non-owner's edits change nothing; the owner's deletion hands it back.
    #expect(store.upsert(source: "file:a.yaml", object: api(svc("web", port: 5))).isEmpty)
    #expect(summary(store.delete(source: "file:b.yaml", kind: "Service", key: web)) == ["~web"])
    #expect(store.object(kind: "Service", key: web)?.object == svc("web", port: 5))
  }

  @Test func syncedWhenEverySourceHasSynced() {
    var store = KubeObjectStore()
    #expect(!store.isSynced)
    store.register(source: "api:services")
    store.register(source: "api:endpointslices")
    _ = store.apply(.replaced([api(svc("web"), "1")], rejected: []), from: "api:services")
    _ = store.apply(.synced, from: "api:services")
    #expect(!store.isSynced)
    _ = store.apply(.synced, from: "api:endpointslices")
    #expect(store.isSynced)
    // A new source that has not listed yet holds the gate again; removing it opens it.
    store.register(source: "file:new.yaml")
    #expect(!store.isSynced)
    _ = store.remove(source: "file:new.yaml")
    #expect(store.isSynced)
  }

  @Test func apiEventsKeepRejectedObjectsLastValidVersion() {
    var store = KubeObjectStore()
    let source = KubeObjectStore.apiSourceName("services")
    #expect(source == "api:services")
    _ = store.apply(.replaced([api(svc("web"), "1"), api(svc("db"), "1")], rejected: []), from: source)
    // A watch event that failed validation: nothing changes.
    let rejected = RejectedObject(
      key: web, resourceVersion: "2", error: ManifestError(file: "watch", document: 1, object: "default/web", message: "bad"))
    #expect(store.apply(.rejected(rejected), from: source).isEmpty)
    #expect(store.object(kind: "Service", key: web)?.resourceVersion == "1")
    // A relist in which web is rejected and db is gone: web keeps its last valid version.
    #expect(summary(store.apply(.replaced([], rejected: [web]), from: source)) == ["-db"])
    #expect(store.object(kind: "Service", key: web)?.object == svc("web"))
    #expect(summary(store.apply(.modified(api(svc("web", port: 8), "3")), from: source)) == ["~web"])
    #expect(summary(store.apply(.deleted(api(svc("web", port: 8), "4")), from: source)) == ["-web"])
    #expect(store.apply(.interrupted(reason: "x", retryDelay: 1, relist: true), from: source).isEmpty)
  }
}

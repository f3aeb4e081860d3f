// ObjectHub: sources' events into the store and tracker; nothing drains before every source
// synced; a failed file keeps its objects; a removed file's objects go; API events too.
import Dataplane
import KubeAPI
import KubeSource
import NetAddress
import ServiceProxy
import Synchronization
import Testing

@Suite struct ObjectHubTests {
  static func manifest(_ text: String, file: String) throws -> DecodedManifest {
    try ManifestDecoder.decodeObjects(text, file: file)
  }

  static func service(_ name: String, _ ip: String) -> String {
    "apiVersion: v1\nkind: Service\nmetadata: {name: \(name), namespace: ns}\nspec: {clusterIP: \(ip), ports: [{port: 80}]}\n"
  }

  final class Notices: Sendable {
    let list = Mutex<[HubNotice]>([])
    let wakes = Mutex(0)
  }

  static func hub(_ notices: Notices) -> ObjectHub {
    ObjectHub(
      settings: NodeSettings(hostnameOverride: "n1"), config: nil, systemHostname: "n1",
      changed: { notices.wakes.withLock { $0 += 1 } }, notify: { n in notices.list.withLock { $0.append(n) } })
  }

  @Test func manifestEventsDrainAfterTheInitialRead() async throws {
    let notices = Notices()
    let hub = Self.hub(notices)
    await hub.register(source: ObjectHub.manifestsSource)
    await hub.apply(.objects(file: "/m/a.yaml", manifest: try Self.manifest(Self.service("a", "10.96.0.1"), file: "/m/a.yaml")))
    #expect(await hub.drain() == nil, "nothing may be synced before the folders' initial read")
    await hub.apply(.synced)
    let first = try #require(await hub.drain())
    #expect(first.full?.servicePorts.map(\.name.service.name) == ["a"])

    await hub.apply(.objects(file: "/m/b.yaml", manifest: try Self.manifest(Self.service("b", "10.96.0.2"), file: "/m/b.yaml")))
    let added = try #require(await hub.drain())
    #expect(added.full == nil)
    #expect(added.changed.map(\.name.service.name) == ["b"])

    let error = ManifestError(file: "/m/a.yaml", message: "broken")
    await hub.apply(.failed(file: "/m/a.yaml", error: error))
    #expect(try #require(await hub.drain()).isEmpty, "a file that fails keeps its objects")
    #expect(notices.list.withLock { $0 } == [.sourceError(source: "file:/m/a.yaml", message: error.description)])

    await hub.apply(.removed(file: "/m/b.yaml"))
    let removed = try #require(await hub.drain())
    #expect(removed.removed.map(\.name.service.name) == ["b"])
    #expect(notices.wakes.withLock { $0 } >= 3)
  }

  @Test func apiEventsGateOnEveryResource() async throws {
    let hub = Self.hub(Notices())
    await hub.register(source: "api:services")
    await hub.register(source: "api:endpointslices")
    let svc = try #require(try Self.manifest(Self.service("a", "10.96.0.1"), file: "x").objects.first?.object)
    await hub.apply(.replaced([APIObject(object: svc, resourceVersion: "5")], rejected: []), from: "api:services")
    await hub.apply(.synced, from: "api:services")
    #expect(await hub.drain() == nil, "endpointslices have not listed yet")
    await hub.apply(.replaced([], rejected: []), from: "api:endpointslices")
    await hub.apply(.synced, from: "api:endpointslices")
    #expect(try #require(await hub.drain()).full?.servicePorts.count == 1)
    // A relist that finds the same objects changes nothing.
    await hub.apply(.replaced([APIObject(object: svc, resourceVersion: "5")], rejected: []), from: "api:services")
    #expect(try #require(await hub.drain()).isEmpty)
  }
}

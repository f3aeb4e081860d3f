// Lists and watches of the other resources kproxy reads: this node's Node by field selector,
// EndpointSlices (discovery.k8s.io) of one namespace, pods by label selector.
import Foundation
import KubeAPI
import KubeSource
import KubeTestServer
import Testing

@Suite struct SelectorWatchTests {
  static func collect(_ watch: ListWatch, until done: @escaping @Sendable (ResourceCache) -> Bool) async -> ResourceCache {
    var cache = ResourceCache()
    for await event in watch.events() {
      cache.apply(event)
      if cache.isSynced && done(cache) { break }
    }
    return cache
  }

  @Test func nodeByFieldSelector() async throws {
    let server = try await KubeTestServer.start()
    let client = try APIClient(connection: ClusterConnection(server: server.url))
    for name in ["node-1", "node-2"] { try server.store.create(.nodes, namespace: "", object: ["metadata": ["name": name]]) }
    let watch = ListWatch(
      client: client, resource: .nodes, options: ListWatchOptions(fieldSelector: "metadata.name=node-2"), backoff: WatchHarness.fastBackoff)
    let task = Task { await Self.collect(watch) { $0.objects.first?.value.object.meta.labels["zone"] == "b" } }
    try await waitUntil { server.openWatchCount(.nodes) == 1 }
    try server.store.update(
      ObjectKey(resource: "nodes", namespace: "", name: "node-1"), resource: .nodes, object: ["metadata": ["name": "node-1"]])
    try server.store.update(
      ObjectKey(resource: "nodes", namespace: "", name: "node-2"), resource: .nodes,
      object: ["metadata": ["name": "node-2", "labels": ["zone": "b"]]])
    let cache = await task.value
    #expect(cache.objects.keys.map(\.name) == ["node-2"])
    #expect(server.requests.allSatisfy { !$0.contains("/nodes") || $0.contains("fieldSelector=metadata.name%3Dnode-2") })
    try await client.shutdown()
    try await server.shutdown()
  }

  @Test func endpointSlicesOfOneNamespaceAndPodsByLabel() async throws {
    let server = try await KubeTestServer.start()
    let client = try APIClient(connection: ClusterConnection(server: server.url))
    for namespace in ["a", "b"] {
      try server.store.create(
        .endpointSlices, namespace: namespace,
        object: [
          "metadata": ["name": "web-x", "labels": ["kubernetes.io/service-name": "web"]], "addressType": "IPv4",
          "endpoints": [["addresses": ["10.0.0.1"]]], "ports": [["port": 80]],
        ])
      try server.store.create(
        .pods, namespace: namespace, object: ["metadata": ["name": "p", "labels": ["app": namespace]], "status": ["podIP": "10.1.0.1"]])
    }
    let slices = await Self.collect(
      ListWatch(client: client, resource: .endpointSlices, options: ListWatchOptions(namespace: "b"), backoff: WatchHarness.fastBackoff)
    ) { _ in true }
    #expect(slices.objects.keys.map(\.description) == ["b/web-x"])
    let pods = await Self.collect(
      ListWatch(client: client, resource: .pods, options: ListWatchOptions(labelSelector: "app=a"), backoff: WatchHarness.fastBackoff)
    ) { _ in true }
    #expect(pods.objects.keys.map(\.description) == ["a/p"])
    try await client.shutdown()
    try await server.shutdown()
  }
}

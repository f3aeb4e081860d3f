// The test API server's own list semantics, read with raw GETs: pages of one consistent snapshot
// at the first page's resourceVersion, and 410 Expired for a continue token older than compaction.
import Foundation
import KubeSource
import KubeTestServer
import NIOCore
import Testing

@Suite struct TestServerListTests {
  static func page(_ client: APIClient, _ query: [(String, String)]) async throws -> (names: [String], rv: String, next: String?) {
    let body = try await client.get("/api/v1/namespaces/default/services", query: query)
    let object = try #require(try JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any])
    let meta = object["metadata"] as? [String: Any] ?? [:]
    let items = object["items"] as? [[String: Any]] ?? []
    return (
      items.map { ($0["metadata"] as? [String: Any])?["name"] as? String ?? "" }, meta["resourceVersion"] as? String ?? "",
      meta["continue"] as? String
    )
  }

  @Test func pagesComeFromOneSnapshotAndExpireWithCompaction() async throws {
    let server = try await KubeTestServer.start()
    let client = try APIClient(connection: ClusterConnection(server: server.url))
    for (n, name) in ["a", "b", "c", "d", "e"].enumerated() {
      try server.store.create(.services, namespace: "default", object: TestObjects.service(name, n))
    }
    let first = try await Self.page(client, [("limit", "2")])
    #expect(first.names == ["a", "b"])
    #expect(first.rv == "1005")
    // Changes after the first page do not show in later pages.
    try server.store.create(.services, namespace: "default", object: TestObjects.service("bb", 9))
    try server.store.delete(ObjectKey(resource: "services", namespace: "default", name: "e"), resource: .services)
    let second = try await Self.page(client, [("limit", "2"), ("continue", try #require(first.next))])
    #expect(second.names == ["c", "d"])
    #expect(second.rv == "1005")
    let third = try await Self.page(client, [("limit", "2"), ("continue", try #require(second.next))])
    #expect(third.names == ["e"])
    #expect(third.next == nil)
    // A new list sees the changes; compaction expires its token.
    let fresh = try await Self.page(client, [("limit", "3")])
    #expect(fresh.names == ["a", "b", "bb"])
    #expect(fresh.rv == "1007")
    server.store.compact(afterUnrelatedWrite: true)
    await #expect {
      _ = try await Self.page(client, [("limit", "3"), ("continue", fresh.next ?? "")])
    } throws: { error in
      (error as? APIError)?.status == 410 && (error as? APIError)?.reason == "Expired"
    }
    try await client.shutdown()
    try await server.shutdown()
  }
}

// Proves the test API server speaks the Kubernetes protocol: the real kubectl creates, applies,
// lists, gets, watches and deletes objects on it over TLS with a client certificate or a token.
import Foundation
import KubeTestServer
import Testing

@Suite(.serialized) struct KubectlTests {
  static let service = """
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: default
      labels: {app: web}
    spec:
      clusterIP: 10.96.0.10
      ports:
      - {name: http, port: 80, protocol: TCP}
    """

  @Test func createGetWatchApplyDeleteWithClientCertificate() async throws {
    let pki = try TestCertificates.generate()
    let server = try await KubeTestServer.start(tls: pki.serverFiles)
    defer { Task { try await server.shutdown() } }
    let kubectl = Kubectl(kubeconfig: try KubeconfigFile.write(server: server.url, pki: pki, token: nil))

    let created = try kubectl.run(["create", "-f", "-"], stdin: Self.service)
    #expect(created.status == 0, "\(created.stderr)")
    #expect(created.stdout == "service/web created\n")

    let table = try kubectl.run(["get", "services"])
    #expect(table.status == 0, "\(table.stderr)")
    #expect(table.stdout.split(separator: "\n").map { $0.split(separator: " ").first } == ["NAME", "web"])

    let json = try kubectl.run(["get", "service", "web", "-o", "json"])
    let object = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
    let meta = try #require(object["metadata"] as? [String: Any])
    #expect(meta["name"] as? String == "web")
    #expect(meta["resourceVersion"] as? String == String(server.store.currentResourceVersion))
    #expect((object["spec"] as? [String: Any])?["clusterIP"] as? String == "10.96.0.10")

    // get -w: the list's ADDED, then the changes made while it watches.
    let watch = try kubectl.start(["get", "services", "-w", "--output-watch-events", "--no-headers"])
    try await waitUntil { server.openWatchCount(.services) == 1 }
    let applied = try kubectl.run(["apply", "-f", "-"], stdin: Self.service.replacingOccurrences(of: "port: 80", with: "port: 8080"))
    #expect(applied.status == 0, "\(applied.stderr)")
    let second = try kubectl.run(["create", "-f", "-"], stdin: Self.service.replacingOccurrences(of: "name: web", with: "name: api"))
    #expect(second.status == 0, "\(second.stderr)")
    let deleted = try kubectl.run(["delete", "service", "web"])
    #expect(deleted.stdout == "service \"web\" deleted\n", "\(deleted.stderr)")
    let events = watch.lines(4).map { $0.split(separator: " ").prefix(2).joined(separator: " ") }
    #expect(events == ["ADDED web", "MODIFIED web", "ADDED api", "DELETED web"])

    let stored = server.store.objects(of: .services).map(\.key.name)
    #expect(stored == ["api"])
    let ports = (server.store.objects(of: .services)[0].dictionary["spec"] as? [String: Any])?["ports"] as? [[String: Any]]
    #expect(ports?.first?["port"] as? Int == 80)
    let requests = server.requests
    #expect(requests.contains { $0.hasPrefix("PATCH /api/v1/namespaces/default/services/web") })
    #expect(requests.contains { $0.hasPrefix("GET /api/v1/namespaces/default/services?") && $0.contains("watch=true") })
  }

  @Test func bearerTokenIsRequired() async throws {
    let pki = try TestCertificates.generate()
    let server = try await KubeTestServer.start(
      tls: ServerTLSFiles(certificate: pki.serverCertificate, privateKey: pki.serverKey), token: "s3cret")
    defer { Task { try await server.shutdown() } }
    let good = Kubectl(kubeconfig: try KubeconfigFile.write(server: server.url, pki: pki, token: "s3cret", clientCertificate: false))
    let bad = Kubectl(kubeconfig: try KubeconfigFile.write(server: server.url, pki: pki, token: "wrong", clientCertificate: false))
    let denied = try bad.run(["get", "nodes"])
    #expect(denied.status != 0)
    #expect(denied.stderr.contains("You must be logged in to the server"), "\(denied.stderr)")
    let node = "{\"apiVersion\":\"v1\",\"kind\":\"Node\",\"metadata\":{\"name\":\"node-1\"}}"
    #expect(try good.run(["create", "-f", "-"], stdin: node).stdout == "node/node-1 created\n")
    let names = try good.run(["get", "nodes", "-o", "name"])
    #expect(names.stdout == "node/node-1\n", "\(names.stderr)")
  }
}

/// Writes a kubeconfig for kubectl: the server with the test CA, and a client certificate or token.
enum KubeconfigFile {
  static func write(server: String, pki: TestCertificates, token: String?, clientCertificate: Bool = true) throws -> String {
    var user = ""
    if clientCertificate { user += "    client-certificate: \(pki.clientCertificate)\n    client-key: \(pki.clientKey)\n" }
    if let token { user += "    token: \(token)\n" }
    let text = """
      apiVersion: v1
      kind: Config
      clusters:
      - name: test
        cluster:
          server: \(server)
          certificate-authority: \(pki.caCertificate)
      users:
      - name: tester
        user:
      \(user)contexts:
      - name: test
        context: {cluster: test, user: tester}
      current-context: test

      """
    let path = pki.directory + "/kubeconfig-\(UUID().uuidString.prefix(8))"
    try text.write(toFile: path, atomically: true, encoding: .utf8)
    return path
  }
}

/// Polls `condition` every 10 ms for up to `timeout` seconds; fails the test if it never holds.
func waitUntil(timeout: Double = 10, _ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
  let end = Date().addingTimeInterval(timeout)
  while !condition() {
    if Date() > end {
      Issue.record("condition not met within \(timeout) s", sourceLocation: sourceLocation)
      return
    }
    try await Task.sleep(nanoseconds: 10_000_000)
  }
}

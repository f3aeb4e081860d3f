// The client authenticates as the API server demands: TLS with the cluster CA and a client
// certificate from a kubeconfig, a bearer token, and a token file that is re-read when it rotates.
import Foundation
import KubeSource
import KubeTestServer
import NIOCore
import Testing

@Suite struct AuthenticationTests {
  static func firstReplace(_ client: APIClient) async -> [String] {
    for await event in ListWatch(client: client, resource: .services, backoff: WatchHarness.fastBackoff).events() {
      if case .replaced(let objects, _) = event { return objects.map(\.key.description) }
    }
    return []
  }

  @Test func tlsWithCAAndClientCertificateFromKubeconfig() async throws {
    let pki = try TestCertificates.generate()
    let server = try await KubeTestServer.start(tls: pki.serverFiles)
    try server.store.create(.services, namespace: "default", object: TestObjects.service("web", 1))
    let path = try KubeconfigFile.write(server: server.url, pki: pki, token: nil)
    let client = try APIClient(connection: try KubeConfig.load(path: path))
    #expect(await Self.firstReplace(client) == ["default/web"])
    try await client.shutdown()

    // Without the client certificate the server answers 401, and the client retries.
    var anonymous = try KubeConfig.load(path: path)
    anonymous.credentials = Credentials()
    let denied = try APIClient(connection: anonymous)
    for await event in ListWatch(client: denied, resource: .services, backoff: WatchHarness.fastBackoff).events() {
      guard case .interrupted(let reason, _, let relist) = event else { continue }
      #expect(reason.hasPrefix("list services: HTTP 401 Unauthorized"))
      #expect(relist)
      break
    }
    try await denied.shutdown()

    // A CA that did not sign the server's certificate: the TLS handshake fails.
    let other = try TestCertificates.generate()
    var wrongCA = try KubeConfig.load(path: path)
    wrongCA.certificateAuthority = Array(try Data(contentsOf: URL(fileURLWithPath: other.caCertificate)))
    let untrusting = try APIClient(connection: wrongCA, connectTimeout: 1)
    for await event in ListWatch(client: untrusting, resource: .services, backoff: WatchHarness.fastBackoff).events() {
      guard case .interrupted(let reason, _, _) = event else { continue }
      #expect(reason.contains("CERTIFICATE_VERIFY_FAILED"), "\(reason)")
      break
    }
    try await untrusting.shutdown()
    try await server.shutdown()
  }

  @Test func bearerTokenFromARotatingTokenFile() async throws {
    let server = try await KubeTestServer.start(token: "first")
    try server.store.create(.services, namespace: "default", object: TestObjects.service("web", 1))
    let tokenFile = try ConnectionConfigTests.temporaryDirectory() + "/token"
    try "first\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
    let client = try APIClient(connection: ClusterConnection(server: server.url, credentials: Credentials(tokenFile: tokenFile)))
    #expect(await Self.firstReplace(client) == ["default/web"])
    // The token file rotates: the same client reads it again and sends the new token.
    server.acceptToken("second")
    try "second\n".write(toFile: tokenFile, atomically: true, encoding: .utf8)
    let body = try await client.get("/api/v1/nodes")
    #expect(String(buffer: body).contains("\"kind\":\"NodeList\""))
    try await client.shutdown()
    try await server.shutdown()
  }
}

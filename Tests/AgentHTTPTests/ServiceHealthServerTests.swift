// Health-check node ports over real HTTP: listeners open and close with the services, answers follow
// local endpoints and proxy health, a taken port is reported without affecting other services.
import AgentHTTP
import Foundation
import KubeAPI
import NIOPosix
import Testing

struct ServiceHealthServerTests {
  /// Free ports for the test: bound to port 0 then released.
  static func freePorts(_ count: Int) async throws -> [Int] {
    var servers: [HTTPEndpointServer] = []
    for _ in 0..<count { servers.append(try await HTTPEndpointServer.start(host: "127.0.0.1", port: 0) { _ in .notFound }) }
    for server in servers { await server.close() }
    return servers.map(\.port)
  }

  @Test func bodyAndHeadersAreKubeProxys() {
    let reply = ServiceHealthServers.reply(NamespacedName(namespace: "default", name: "web"), localEndpoints: 2, proxyHealthy: true)
    #expect(reply.status == .ok)
    #expect(
      reply.body
        == "{\n\t\"service\": {\n\t\t\"namespace\": \"default\",\n\t\t\"name\": \"web\"\n\t},\n\t\"localEndpoints\": 2,\n\t\"serviceProxyHealthy\": true\n}"
    )
    #expect(reply.headers["X-Load-Balancing-Endpoint-Weight"] == "2")
    #expect(reply.headers["X-Content-Type-Options"] == "nosniff")
    #expect(reply.headers["Content-Type"] == "application/json")
    let none = ServiceHealthServers.reply(NamespacedName(namespace: "default", name: "web"), localEndpoints: 0, proxyHealthy: true)
    #expect(none.status == .serviceUnavailable)
    #expect(none.headers["X-Load-Balancing-Endpoint-Weight"] == "0")
    let unhealthy = ServiceHealthServers.reply(NamespacedName(namespace: "default", name: "web"), localEndpoints: 3, proxyHealthy: false)
    #expect(unhealthy.status == .serviceUnavailable)
  }

  @Test func listenersFollowTheServices() async throws {
    let clock = FakeClock()
    let health = ProxyHealth(healthTimeout: 60, clock: { clock.now })
    let servers = ServiceHealthServers(addresses: ["127.0.0.1"], health: health)
    let ports = try await Self.freePorts(3)
    let web = NamespacedName(namespace: "default", name: "web")
    let db = NamespacedName(namespace: "prod", name: "db")
    func status(_ port: Int) async -> Int? { try? await HTTPGet.get("http://127.0.0.1:\(port)/").status }

    // Open two; one has local endpoints, the other none.
    var errors = await servers.sync([
      web: ServiceHealthCheck(port: ports[0], localEndpoints: 2), db: .init(port: ports[1], localEndpoints: 0),
    ])
    #expect(errors.isEmpty)
    let answer = try await HTTPGet.get("http://127.0.0.1:\(ports[0])/any/path")
    #expect(answer.status == 200)
    #expect(answer.body.contains(#""name": "web""#) && answer.body.contains(#""localEndpoints": 2"#))
    #expect(answer.headers.first(name: "X-Load-Balancing-Endpoint-Weight") == "2")
    #expect(await status(ports[1]) == 503)

    // Endpoints change: statuses follow without reopening.
    errors = await servers.sync([web: .init(port: ports[0], localEndpoints: 0), db: .init(port: ports[1], localEndpoints: 1)])
    #expect(errors.isEmpty)
    #expect(await status(ports[0]) == 503)
    #expect(await status(ports[1]) == 200)

    // The proxy turns unhealthy: every service reports 503 with serviceProxyHealthy false.
    health.queued()
    clock.advance(61)
    let late = try await HTTPGet.get("http://127.0.0.1:\(ports[1])/")
    #expect(late.status == 503)
    #expect(late.body.contains(#""serviceProxyHealthy": false"#))
    health.synced()

    // web moves to another port, db goes away.
    errors = await servers.sync([web: .init(port: ports[2], localEndpoints: 1)])
    #expect(errors.isEmpty)
    #expect(await status(ports[0]) == nil)
    #expect(await status(ports[1]) == nil)
    #expect(await status(ports[2]) == 200)
    #expect(await servers.listening == [web: ports[2]])

    await servers.closeAll()
    #expect(await status(ports[2]) == nil)
  }

  @Test func aTakenPortIsReportedAndRetried() async throws {
    let health = ProxyHealth(healthTimeout: 60)
    let servers = ServiceHealthServers(addresses: ["127.0.0.1"], health: health)
    let squatter = try await HTTPEndpointServer.start(host: "127.0.0.1", port: 0) { _ in .notFound }
    let free = try await Self.freePorts(1)[0]
    let web = NamespacedName(namespace: "default", name: "web")
    let api = NamespacedName(namespace: "default", name: "api")
    let wanted = [web: ServiceHealthCheck(port: squatter.port, localEndpoints: 1), api: .init(port: free, localEndpoints: 1)]
    let errors = await servers.sync(wanted)
    #expect(errors.map(\.service) == [web])
    #expect(errors.first?.description.hasPrefix("service default/web: health check on 127.0.0.1:\(squatter.port): ") == true)
    #expect(try await HTTPGet.get("http://127.0.0.1:\(free)/").status == 200)
    // Once the port is free, the next sync opens it.
    await squatter.close()
    #expect(await servers.sync(wanted).isEmpty)
    #expect(try await HTTPGet.get("http://127.0.0.1:\(squatter.port)/").status == 200)
    await servers.closeAll()
  }
}

// ProxyServer on real loopback sockets (127.0.0.0/8 and ::1) with in-process backends that name
// themselves: spread, affinity, dead endpoints, changes under load, half-close, refusals.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetAddress
import Testing

@testable import UserspaceProxy

private func backends(_ hosts: [String], finFirst: Bool = false) async throws -> [TCPIdentifyBackend] {
  var made: [TCPIdentifyBackend] = []
  for host in hosts { made.append(try await TCPIdentifyBackend(host: host, finFirst: finFirst)) }
  return made
}

private func closeAll(_ backends: [TCPIdentifyBackend], _ server: ProxyServer) async {
  for backend in backends { await backend.close() }
  await server.shutdown()
}

/// Who answered each of `count` sequential connections.
private func answers(_ count: Int, to address: SocketAddress, from source: SocketAddress? = nil) async throws -> [String: Int] {
  var seen: [String: Int] = [:]
  for _ in 0..<count {
    let client = try await TestClient(to: address, from: source)
    seen[try await client.firstLine(), default: 0] += 1
    await client.close()
  }
  return seen
}

extension RealSocketTests {
  @Suite(.timeLimit(.minutes(1))) struct ProxyServerTCPTests {
    @Test(arguments: [("127.0.0.1", ["127.0.0.2", "127.0.0.3", "127.0.0.4"]), ("::1", ["::1", "::1", "::1"])])
    func threeHundredConnectionsSpreadEvenly(listen: String, hosts: [String]) async throws {
      let peers = try await backends(hosts)
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: listen, endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let seen = try await answers(300, to: bound)
      #expect(Set(seen.keys) == Set(peers.map(\.name)))
      for (name, count) in seen { #expect((80...120).contains(count), "\(name) got \(count) of 300") }
      let counters = try #require(await server.statistics().servicePorts[ProxyTables.name])
      #expect(counters.totalConnections == 300)
      #expect(counters.bytesToClients == seen.reduce(0) { $0 + ($1.key.utf8.count + 1) * $1.value })
      await closeAll(peers, server)
    }

    @Test func affinitySticksPerClientIPAndExpires() async throws {
      let peers = try await backends(["127.0.0.2", "127.0.0.3", "127.0.0.4"])
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint), affinitySeconds: 2)
      let bound = try await server.applyAndLocate(table, address)
      let first = try await answers(10, to: bound, from: try SocketAddress(ipAddress: "127.0.0.5", port: 0))
      let second = try await answers(10, to: bound, from: try SocketAddress(ipAddress: "127.0.0.6", port: 0))
      #expect(first.count == 1 && second.count == 1, "each client IP sticks to one endpoint: \(first) \(second)")
      #expect(first.keys.first != second.keys.first, "the second client IP gets the next endpoint")
      try await Task.sleep(for: .milliseconds(2100))
      let later = try await answers(1, to: bound, from: try SocketAddress(ipAddress: "127.0.0.5", port: 0))
      #expect(later.keys.first != first.keys.first, "after the timeout the client is balanced again: \(later)")
      await closeAll(peers, server)
    }

    @Test func aDeadEndpointIsSkippedAndTheOthersServe() async throws {
      let peers = try await backends(["127.0.0.2", "127.0.0.3"])
      let dead = try await TCPIdentifyBackend(host: "127.0.0.4")
      await dead.close()
      let server = ProxyServer(settings: ProxySettings(endpointBackoff: .seconds(30)))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint) + [dead.endpoint])
      let bound = try await server.applyAndLocate(table, address)
      let seen = try await answers(30, to: bound)
      #expect(seen.values.reduce(0, +) == 30)
      #expect(Set(seen.keys) == Set(peers.map(\.name)))
      let counters = try #require(await server.statistics().servicePorts[ProxyTables.name])
      #expect(counters.dialFailures == 1, "the dead endpoint is tried once, then backed off")
      #expect(counters.rejectedConnections == 0)
      await closeAll(peers, server)
    }

    @Test func everyEndpointDeadOrNoneResetsTheClient() async throws {
      let dead = try await TCPIdentifyBackend(host: "127.0.0.4")
      await dead.close()
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: [dead.endpoint])
      let bound = try await server.applyAndLocate(table, address)
      #expect(await TestClient.isReset(bound), "every endpoint failed: RST")
      let (empty, _) = ProxyTables.single(listen: "127.0.0.1", endpoints: [])
      _ = await server.apply(empty)
      #expect(await TestClient.isReset(bound), "no endpoints: RST")
      let counters = try #require(await server.statistics().servicePorts[ProxyTables.name])
      #expect(counters.rejectedConnections == 2)
      await server.shutdown()
    }

    @Test func endpointChangesUnderLoadKeepEstablishedConnections() async throws {
      let old = try await backends(["127.0.0.2", "127.0.0.3"])
      let new = try await backends(["127.0.0.4"])
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: old.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      var held: [(TestClient, String)] = []
      for _ in 0..<40 {
        let client = try await TestClient(to: bound)
        held.append((client, try await client.firstLine()))
      }
      let (changed, _) = ProxyTables.single(listen: "127.0.0.1", endpoints: new.map(\.endpoint))
      let report = await server.apply(changed)
      #expect(report.opened.isEmpty && report.closed.isEmpty)
      #expect(try await answers(5, to: bound) == [new[0].name: 5])
      for (index, (client, name)) in held.enumerated() {
        try await client.send("ping \(index)\n")
        try await eventually("echo on connection \(index)") { client.received.text == "\(name)\nping \(index)\n" }
        await client.close()
      }
      await closeAll(old + new, server)
    }

    @Test func clientHalfCloseReachesTheBackendAndTheAnswerStillComesBack() async throws {
      let peers = try await backends(["127.0.0.2"])
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let client = try await TestClient(to: bound)
      _ = try await client.firstLine()
      try await client.send("request")
      try await client.finish()
      try await eventually("echo and EOF after the client's FIN") { client.received.eof }
      #expect(client.received.text == "\(peers[0].name)\nrequest")
      await closeAll(peers, server)
    }

    @Test func backendHalfCloseReachesTheClientWhichCanStillSend() async throws {
      let peers = try await backends(["127.0.0.2"], finFirst: true)
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let client = try await TestClient(to: bound)
      try await eventually("the backend's FIN at the client") { client.received.eof }
      try await client.send("after your FIN")
      try await eventually("the backend reads after its own FIN") { peers[0].received.withLockedValue { $0 } == "after your FIN" }
      await client.close()
      await closeAll(peers, server)
    }

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeoutAndTrafficKeepsItOpen() async throws {
      let peers = try await backends(["127.0.0.2"])
      let server = ProxyServer(settings: ProxySettings(tcpIdleTimeout: .milliseconds(400)))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let client = try await TestClient(to: bound)
      _ = try await client.firstLine()
      for index in 0..<4 {
        try await Task.sleep(for: .milliseconds(200))
        try await client.send("\(index)")
      }
      #expect(!client.received.eof, "traffic every 200 ms keeps it open past the 400 ms timeout")
      try await eventually("the idle connection to close", seconds: 3) { client.received.eof }
      #expect(client.received.text == "\(peers[0].name)\n0123")
      await closeAll(peers, server)
    }

    @Test func aThousandConcurrentConnections() async throws {
      let peers = try await backends(["127.0.0.2", "127.0.0.3", "127.0.0.4"])
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let clients = try await withThrowingTaskGroup(of: (TestClient, String).self) { group in
        for _ in 0..<1000 {
          group.addTask {
            let client = try await TestClient(to: bound)
            return (client, try await client.firstLine(seconds: 20))
          }
        }
        return try await group.reduce(into: []) { $0.append($1) }
      }
      #expect(clients.count == 1000)
      #expect(Set(clients.map(\.1)) == Set(peers.map(\.name)))
      #expect(await server.statistics().servicePorts[ProxyTables.name]?.activeConnections == 1000)
      for (client, _) in clients { await client.close() }
      try await eventually("every connection closed") {
        await server.statistics().servicePorts[ProxyTables.name]?.activeConnections == 0
      }
      await closeAll(peers, server)
    }

    @Test func anEndpointThatNeverAnswersTimesOutAndTheNextOneServes() async throws {
      let peers = try await backends(["127.0.0.2"])
      // A listener that never accepts, with its queue (one connection at backlog 0) filled: Linux
      // drops further SYNs, so a connect to it neither succeeds nor fails (the timeout ends it).
      let silent = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .serverChannelOption(.backlog, value: 0)
        .serverChannelOption(.autoRead, value: false)
        .bind(host: "127.0.0.9", port: 0).get()
      let silentAddress = try #require(silent.localAddress)
      var fillers: [TestClient] = []
      fillers.append(try await TestClient(to: silentAddress))
      let silentEndpoint = ProxyEndpoint(address: IPAddress("127.0.0.9")!, port: UInt16(silentAddress.port!))
      let server = ProxyServer(
        settings: ProxySettings(connectTimeouts: [.milliseconds(300), .milliseconds(300)], endpointBackoff: .seconds(30)))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint) + [silentEndpoint])
      let bound = try await server.applyAndLocate(table, address)
      var slowest = Duration.zero
      for _ in 0..<4 {
        let started = ContinuousClock.now
        let client = try await TestClient(to: bound)
        #expect(try await client.firstLine(seconds: 5) == peers[0].name)
        slowest = max(slowest, ContinuousClock.now - started)
        await client.close()
      }
      #expect(slowest >= .milliseconds(300), "one connection waited for the silent endpoint's timeout")
      #expect(slowest < .milliseconds(5000), "the next endpoint served right after the timeout")
      let counters = try #require(await server.statistics().servicePorts[ProxyTables.name])
      #expect(counters.dialFailures == 1, "timed out once, then backed off")
      #expect(counters.rejectedConnections == 0)
      for client in fillers { await client.close() }
      try await silent.close()
      await closeAll(peers, server)
    }

    @Test func noDescriptorIsLeftOpenByConnectionsRefusalsOrAStoppedServer() async throws {
      func openDescriptors() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
      let peers = try await backends(["127.0.0.2"])
      let dead = try await TCPIdentifyBackend(host: "127.0.0.3")
      await dead.close()
      // Counted once the test's own sockets exist; other tests in this process may open and close
      // theirs meanwhile, hence the slack.
      let before = try openDescriptors()
      let server = ProxyServer(settings: ProxySettings(maxConnections: 50))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint) + [dead.endpoint])
      let bound = try await server.applyAndLocate(table, address)
      for _ in 0..<200 {
        let client = try await TestClient(to: bound)
        #expect(try await client.firstLine() == peers[0].name)
        await client.close()
      }
      try await eventually("every connection closed") {
        await server.statistics().servicePorts[ProxyTables.name]?.activeConnections == 0
      }
      let (emptyTable, _) = ProxyTables.single(listen: "127.0.0.1", endpoints: [dead.endpoint])
      _ = await server.apply(emptyTable)
      #expect(await TestClient.isReset(bound), "a dead endpoint only: the client is reset")
      await server.shutdown()
      try await eventually("the proxy's descriptors to be closed") { try openDescriptors() <= before + 2 }
      await peers[0].close()
    }

    @Test func maxConnectionsRefusesTheExtraOneAndCountsIt() async throws {
      let peers = try await backends(["127.0.0.2"])
      let events = EventLog()
      let server = ProxyServer(settings: ProxySettings(maxConnections: 3, events: events.record))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      var held: [TestClient] = []
      for _ in 0..<3 {
        let client = try await TestClient(to: bound)
        _ = try await client.firstLine()
        held.append(client)
      }
      #expect(await TestClient.isReset(bound))
      let statistics = await server.statistics()
      #expect(statistics.connectionLimitHits == 1)
      #expect(statistics.servicePorts[ProxyTables.name]?.rejectedConnections == 1)
      #expect(events.all.contains(.connectionLimitReached(address, limit: 3)))
      await held[0].close()
      try await eventually("a slot frees") { await server.statistics().servicePorts[ProxyTables.name]?.activeConnections == 2 }
      let next = try await TestClient(to: bound)
      #expect(try await next.firstLine() == peers[0].name)
      for client in held + [next] { await client.close() }
      await closeAll(peers, server)
    }

    @Test func aRemovedListenerStopsAcceptingAndDrainsItsConnections() async throws {
      let peers = try await backends(["127.0.0.2"])
      let events = EventLog()
      let server = ProxyServer(settings: ProxySettings(drainGracePeriod: .seconds(1), events: events.record))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let client = try await TestClient(to: bound)
      _ = try await client.firstLine()
      let report = await server.apply(ProxyTable())
      #expect(report.closed == [address])
      await #expect(throws: (any Error).self) { _ = try await TestClient(to: bound) }
      try await client.send("during the grace period\n")
      try await eventually("echo while draining") { client.received.text.hasSuffix("during the grace period\n") }
      try await eventually("closed after the grace period") { client.received.eof }
      try await eventually("drain reported") { events.all.contains(.drained(address, closedConnections: 1)) }
      await closeAll(peers, server)
    }

    @Test func aListenerThatCannotBindIsReportedAndRetriedOnTheNextApply() async throws {
      let peers = try await backends(["127.0.0.2"])
      let squatter = try await TCPIdentifyBackend(host: "127.0.0.7")
      let port = Int(squatter.endpoint.port)
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.7", port: port, endpoints: peers.map(\.endpoint))
      let first = await server.apply(table)
      #expect(first.opened.isEmpty)
      #expect(first.failed[address]?.contains("in use") ?? false, "\(first.failed)")
      await squatter.close()
      let second = await server.apply(table)
      #expect(second.opened == [address] && second.failed.isEmpty, "\(second)")
      let client = try await TestClient(to: try SocketAddress(ipAddress: "127.0.0.7", port: port))
      #expect(try await client.firstLine() == peers[0].name)
      await client.close()
      await closeAll(peers, server)
    }
  }
}

/// Collects ProxyEvents for a test.
final class EventLog: Sendable {
  private let box = NIOLockedValueBox<[ProxyEvent]>([])
  var record: @Sendable (ProxyEvent) -> Void { { [box] event in box.withLockedValue { $0.append(event) } } }
  var all: [ProxyEvent] { box.withLockedValue { $0 } }
}

extension RealSocketTests {
  @Suite(.timeLimit(.minutes(1))) struct ProxyServerRuntimeTests {
    @Test func concurrentAppliesRunOneAfterTheOther() async throws {
      let peers = try await backends(["127.0.0.2"])
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      // Unserialised, every apply would see no listener yet and bind one of its own (port 0).
      let reports = await withTaskGroup(of: ProxyApplyReport.self) { group in
        for _ in 0..<12 { group.addTask { await server.apply(table) } }
        return await group.reduce(into: []) { $0.append($1) }
      }
      #expect(reports.allSatisfy { $0.failed.isEmpty && $0.closed.isEmpty })
      #expect(reports.map(\.opened.count).reduce(0, +) == 1, "one apply opens the listener, the others find it")
      let bound = try #require(server.boundAddress(of: address))
      #expect(try await answers(3, to: bound) == [peers[0].name: 3])
      await closeAll(peers, server)
    }

    @Test func appliesCalledInOrderTakeEffectInOrder() async throws {
      let peers = try await backends(["127.0.0.2"])
      let server = ProxyServer(settings: ProxySettings(drainGracePeriod: .milliseconds(10)))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      // Nine applies called one after the other (each takes its place before the next is
      // called; a task that signals before calling apply races the next one under load):
      // index 8, the last, opens.
      let pending = (0..<9).map { index in server.enqueue(index % 2 == 0 ? table : ProxyTable()) }
      var reports: [ProxyApplyReport] = []
      for task in pending { reports.append(await task.value) }
      #expect(reports.allSatisfy { $0.failed.isEmpty })
      #expect(server.boundAddress(of: address) != nil, "the last apply wanted the listener")
      #expect(reports.map(\.opened.count) == [1, 0, 1, 0, 1, 0, 1, 0, 1])
      await closeAll(peers, server)
    }

    @Test func aLargeTransferIsRelayedIntactFromTheSmallestFirstReadBuffer() async throws {
      let peers = try await backends(["127.0.0.2"])
      let server = ProxyServer(settings: ProxySettings(readBufferSize: 1))  // clamped to 64 bytes
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let client = try await TestClient(to: bound)
      _ = try await client.firstLine()
      let payload = String((0..<300_000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
      try await client.send(payload)
      let expected = peers[0].name + "\n" + payload
      try await eventually("the echo of 300 kB", seconds: 20) { client.received.text.count >= expected.count }
      #expect(client.received.text == expected)
      let counters = try #require(await server.statistics().servicePorts[ProxyTables.name])
      #expect(counters.bytesFromClients == payload.utf8.count)
      await client.close()
      await closeAll(peers, server)
    }

    @Test func countersOfConnectionsOnTwoEventLoopsAddUp() async throws {
      let peers = try await backends(["127.0.0.2", "127.0.0.3"])
      let server = ProxyServer(settings: ProxySettings(threads: 2))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let seen = try await answers(40, to: bound)
      try await eventually("every connection to be counted closed") {
        await server.statistics().servicePorts[ProxyTables.name]?.activeConnections == 0
      }
      let counters = try #require(await server.statistics().servicePorts[ProxyTables.name])
      #expect(counters.totalConnections == 40)
      #expect(counters.bytesToClients == seen.reduce(0) { $0 + ($1.key.utf8.count + 1) * $1.value })
      await closeAll(peers, server)
    }
  }
}

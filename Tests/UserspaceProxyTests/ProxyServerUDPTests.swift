// ProxyServer's UDP path on loopback: several clients each get a flow to one endpoint, replies
// come back from the listen address, flows expire after udpTimeout and are balanced anew.
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import UserspaceProxy

/// A UDP client socket that collects replies (text and the address each came from).
private final class UDPTestClient: Sendable {
  let channel: Channel
  let replies = NIOLockedValueBox<[(String, SocketAddress)]>([])

  private final class Collector: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let replies: NIOLockedValueBox<[(String, SocketAddress)]>
    init(replies: NIOLockedValueBox<[(String, SocketAddress)]>) { self.replies = replies }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let envelope = unwrapInboundIn(data)
      replies.withLockedValue { $0.append((String(buffer: envelope.data), envelope.remoteAddress)) }
    }
  }

  init() async throws {
    let replies = self.replies
    channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelInitializer { ch in
        ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Collector(replies: replies)) }
      }
      .bind(host: "127.0.0.1", port: 0).get()
  }

  /// Sends `text` to `address` and returns the reply (resending every 200 ms, UDP may drop).
  func ask(_ text: String, _ address: SocketAddress) async throws -> (String, SocketAddress) {
    let before = replies.withLockedValue { $0.count }
    for _ in 0..<10 {
      try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(string: text)))
      let deadline = NIODeadline.now() + .milliseconds(200)
      while NIODeadline.now() < deadline {
        if let reply = replies.withLockedValue({ $0.count > before ? $0[before] : nil }) { return reply }
        try await Task.sleep(for: .milliseconds(2))
      }
    }
    throw TestTimeout(description: "no UDP reply to \(text)")
  }

  func close() async { try? await channel.close() }
}

extension RealSocketTests {
  @Suite(.timeLimit(.minutes(1))) struct ProxyServerUDPTests {
    @Test func severalClientsEachGetAFlowAndRepliesComeFromTheListenAddress() async throws {
      var peers: [UDPIdentifyBackend] = []
      for host in ["127.0.0.2", "127.0.0.3", "127.0.0.4"] { peers.append(try await UDPIdentifyBackend(host: host)) }
      let server = ProxyServer(settings: ProxySettings(udpTimeout: .seconds(5)))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", transport: .udp, endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      var clients: [UDPTestClient] = []
      for _ in 0..<6 { clients.append(try await UDPTestClient()) }
      var endpointOf: [Int: String] = [:]
      for (index, client) in clients.enumerated() {
        let (reply, from) = try await client.ask("hello \(index)", bound)
        let parts = reply.split(separator: "|")
        #expect(parts.count == 2 && parts[1] == "hello \(index)")
        #expect(from == bound, "the reply comes from the listen address")
        endpointOf[index] = String(parts[0])
      }
      #expect(Set(endpointOf.values) == Set(peers.map(\.endpoint.description)), "six clients over three endpoints")
      for (index, client) in clients.enumerated() {
        let (reply, _) = try await client.ask("again \(index)", bound)
        #expect(reply == "\(endpointOf[index]!)|again \(index)", "a client's flow keeps its endpoint")
      }
      let counters = try #require(await server.statistics().servicePorts[ProxyTables.name])
      #expect(counters.totalConnections == 6 && counters.activeConnections == 6)
      for client in clients { await client.close() }
      for peer in peers { await peer.close() }
      await server.shutdown()
    }

    @Test func idleFlowsExpireAfterTheUDPTimeout() async throws {
      var peers: [UDPIdentifyBackend] = []
      for host in ["127.0.0.2", "127.0.0.3"] { peers.append(try await UDPIdentifyBackend(host: host)) }
      let server = ProxyServer(settings: ProxySettings(udpTimeout: .milliseconds(500)))
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", transport: .udp, endpoints: peers.map(\.endpoint))
      let bound = try await server.applyAndLocate(table, address)
      let client = try await UDPTestClient()
      let (first, _) = try await client.ask("one", bound)
      let (second, _) = try await client.ask("two", bound)
      #expect(first.split(separator: "|")[0] == second.split(separator: "|")[0], "within the timeout: same flow")
      try await eventually("the idle flow to expire") {
        await server.statistics().servicePorts[ProxyTables.name]?.activeConnections == 0
      }
      let (third, _) = try await client.ask("three", bound)
      #expect(third.split(separator: "|")[0] != first.split(separator: "|")[0], "a new flow is balanced anew")
      let counters = await server.statistics().servicePorts[ProxyTables.name]
      #expect(counters?.totalConnections == 2, "\(String(describing: counters)) \(client.replies.withLockedValue { $0.map(\.0) })")
      await client.close()
      for peer in peers { await peer.close() }
      await server.shutdown()
    }

    @Test func noEndpointsDropsTheDatagramAndCountsIt() async throws {
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", transport: .udp, endpoints: [])
      let bound = try await server.applyAndLocate(table, address)
      let client = try await UDPTestClient()
      try await client.channel.writeAndFlush(AddressedEnvelope(remoteAddress: bound, data: ByteBuffer(string: "x")))
      try await eventually("the drop counted") {
        await server.statistics().servicePorts[ProxyTables.name]?.rejectedConnections == 1
      }
      await client.close()
      await server.shutdown()
    }
  }
}

// Back-pressure end to end: a backend that sends as fast as it may, a client that does not read
// for a while. The relay must stop reading the backend once the client cannot take more (the
// backend then blocks), and deliver every byte once the client reads.
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetAddress
import Testing

@testable import UserspaceProxy

/// Sends `total` bytes on every connection, as fast as the socket takes them; counts what it wrote.
private final class FloodHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer
  let total: Int
  let written: NIOLockedValueBox<Int>
  private var sent = 0

  init(total: Int, written: NIOLockedValueBox<Int>) {
    self.total = total
    self.written = written
  }

  func channelActive(context: ChannelHandlerContext) { send(context) }

  func channelWritabilityChanged(context: ChannelHandlerContext) { send(context) }

  private func send(_ context: ChannelHandlerContext) {
    let chunk = 65_536
    while context.channel.isWritable && sent < total {
      let size = min(chunk, total - sent)
      var buffer = context.channel.allocator.buffer(capacity: size)
      buffer.writeRepeatingByte(0x61, count: size)
      sent += size
      let written = self.written
      context.writeAndFlush(wrapOutboundOut(buffer)).assumeIsolated().whenSuccess { written.withLockedValue { $0 += size } }
    }
    if sent >= total { context.close(mode: .output, promise: nil) }
  }
}

/// Counts what it reads; reads only once `autoRead` is switched on.
private final class CountingHandler: ChannelInboundHandler {
  typealias InboundIn = ByteBuffer
  let received: NIOLockedValueBox<(bytes: Int, eof: Bool)>
  init(received: NIOLockedValueBox<(bytes: Int, eof: Bool)>) { self.received = received }
  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let count = unwrapInboundIn(data).readableBytes
    received.withLockedValue { $0.bytes += count }
  }
  func channelInactive(context: ChannelHandlerContext) { received.withLockedValue { $0.eof = true } }
  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let event = event as? ChannelEvent, event == .inputClosed { received.withLockedValue { $0.eof = true } }
  }
}

extension RealSocketTests {
  @Suite(.timeLimit(.minutes(1))) struct BackPressureTests {
    @Test func aClientThatDoesNotReadStopsTheBackendAndGetsEveryByteLater() async throws {
      let total = 192 << 20
      let written = NIOLockedValueBox(0)
      let group = MultiThreadedEventLoopGroup.singleton
      let backend = try await ServerBootstrap(group: group)
        .childChannelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(FloodHandler(total: total, written: written))
          }
        }
        .bind(host: "127.0.0.2", port: 0).get()
      let endpoint = ProxyEndpoint(address: IPAddress("127.0.0.2")!, port: UInt16(backend.localAddress!.port!))
      let server = ProxyServer()
      let (table, address) = ProxyTables.single(listen: "127.0.0.1", endpoints: [endpoint])
      let bound = try await server.applyAndLocate(table, address)

      let received = NIOLockedValueBox((bytes: 0, eof: false))
      let client = try await ClientBootstrap(group: group)
        .channelOption(.autoRead, value: false)
        .channelOption(.allowRemoteHalfClosure, value: true)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(CountingHandler(received: received))
          }
        }
        .connect(to: bound).get()
      // The client reads nothing: the socket buffers on the way fill (a few MB on loopback), then
      // the relay must stop reading the backend, which must stop too. Wait until the backend has
      // written nothing more for 300 ms (without back-pressure that is only once it sent it all).
      var stalled = -1
      try await eventually("the backend to stop sending", seconds: 20) {
        let before = written.withLockedValue { $0 }
        try await Task.sleep(for: .milliseconds(300))
        let after = written.withLockedValue { $0 }
        stalled = after
        return after == before
      }
      #expect(stalled < 64 << 20, "the backend kept sending while the client read nothing: \(stalled) bytes")
      #expect(received.withLockedValue { $0.bytes } == 0)

      try await client.setOption(.autoRead, value: true)
      client.read()
      try await eventually("every byte to arrive", seconds: 40) { received.withLockedValue { $0.eof } }
      #expect(received.withLockedValue { $0.bytes } == total)
      #expect(written.withLockedValue { $0 } == total)
      let counters = try #require(await server.statistics().servicePorts[ProxyTables.name])
      #expect(counters.bytesToClients == total)
      try await client.close()
      try await backend.close()
      await server.shutdown()
    }
  }
}

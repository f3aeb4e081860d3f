// GlueHandler on EmbeddedChannels: bytes relayed both ways and tallied, reads held while the partner
// cannot write (back-pressure), FIN passed across as an output half-close, close passed across.
import NIOConcurrencyHelpers
import NIOCore
import NIOEmbedded
import Testing

@testable import UserspaceProxy

/// Sits next to the head: counts reads that reach the socket, records close modes (an output
/// half-close is recorded, not performed, since EmbeddedChannel can only close fully).
private final class SocketSideRecorder: ChannelOutboundHandler {
  typealias OutboundIn = Any
  var reads = 0
  var closes: [CloseMode] = []

  func read(context: ChannelHandlerContext) {
    reads += 1
    context.read()
  }

  func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
    closes.append(mode)
    if mode == .all { context.close(mode: mode, promise: promise) } else { promise?.succeed(()) }
  }
}

private struct GluedPair {
  let client = EmbeddedChannel()
  let backend = EmbeddedChannel()
  let clientSocket = SocketSideRecorder()
  let backendSocket = SocketSideRecorder()
  let fromClients = NIOLockedValueBox(0)
  let toClients = NIOLockedValueBox(0)

  init() throws {
    let (fromClients, toClients) = (self.fromClients, self.toClients)
    let (clientSide, backendSide) = GlueHandler.matchedPair(
      firstTally: { n in fromClients.withLockedValue { $0 += n } },
      secondTally: { n in toClients.withLockedValue { $0 += n } })
    try client.pipeline.syncOperations.addHandler(clientSocket)
    try client.pipeline.syncOperations.addHandler(clientSide)
    try backend.pipeline.syncOperations.addHandler(backendSocket)
    try backend.pipeline.syncOperations.addHandler(backendSide)
  }

  /// Every non-empty buffer written to `channel`, as text.
  func written(_ channel: EmbeddedChannel) throws -> [String] {
    var out: [String] = []
    while let buffer = try channel.readOutbound(as: ByteBuffer.self) {
      if buffer.readableBytes > 0 { out.append(String(buffer: buffer)) }
    }
    return out
  }
}

@Suite struct GlueHandlerTests {
  @Test func bytesAreRelayedBothWaysAndTallied() throws {
    let pair = try GluedPair()
    try pair.client.writeInbound(ByteBuffer(string: "request"))
    try pair.backend.writeInbound(ByteBuffer(string: "response!"))
    #expect(try pair.written(pair.backend) == ["request"])
    #expect(try pair.written(pair.client) == ["response!"])
    #expect(pair.fromClients.withLockedValue { $0 } == 7)
    #expect(pair.toClients.withLockedValue { $0 } == 9)
  }

  @Test func readsWaitWhileThePartnerIsNotWritable() throws {
    let pair = try GluedPair()
    pair.client.read()
    #expect(pair.clientSocket.reads == 1)
    pair.backend.isWritable = false
    pair.backend.pipeline.fireChannelWritabilityChanged()
    pair.client.read()
    pair.client.read()
    #expect(pair.clientSocket.reads == 1, "no read while the backend cannot take bytes")
    pair.backend.isWritable = true
    pair.backend.pipeline.fireChannelWritabilityChanged()
    #expect(pair.clientSocket.reads == 2, "the held read happens once the backend drains")
    pair.backend.read()
    #expect(pair.backendSocket.reads == 1, "the other direction is not held")
  }

  @Test func clientFinBecomesBackendOutputHalfCloseAfterPendingBytes() throws {
    let pair = try GluedPair()
    try pair.client.writeInbound(ByteBuffer(string: "last words"))
    pair.client.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    #expect(pair.backendSocket.closes == [.output])
    #expect(pair.clientSocket.closes == [])
    #expect(try pair.written(pair.backend) == ["last words"])
    try pair.backend.writeInbound(ByteBuffer(string: "still answering"))
    #expect(try pair.written(pair.client) == ["still answering"])
  }

  @Test func backendFinBecomesClientOutputHalfClose() throws {
    let pair = try GluedPair()
    pair.backend.pipeline.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
    #expect(pair.clientSocket.closes == [.output])
    #expect(pair.backendSocket.closes == [])
    try pair.client.writeInbound(ByteBuffer(string: "more"))
    #expect(try pair.written(pair.backend) == ["more"])
  }

  @Test func aClosedSideClosesItsPartner() throws {
    let pair = try GluedPair()
    _ = try pair.client.finish()
    #expect(pair.backendSocket.closes == [.all])
    #expect(!pair.backend.isActive)
  }

  @Test func anErrorClosesBothSides() throws {
    let pair = try GluedPair()
    pair.backend.pipeline.fireErrorCaught(IOError(errnoCode: 104, reason: "read"))
    #expect(pair.backendSocket.closes.first == .all)
    #expect(pair.clientSocket.closes == [.all])
    #expect(!pair.backend.isActive && !pair.client.isActive)
  }
}

// Relays one TCP connection's bytes to its partner: a pair of handlers, one per channel, with
// back-pressure (a side reads only while its partner can write) and half-close passed across.
import NIOCore

/// One side of a proxied connection. `matchedPair()` makes the two; each goes into one pipeline.
/// Both channels must be on the same event loop. Needs `allowRemoteHalfClosure` on both channels.
final class GlueHandler: ChannelDuplexHandler {
  typealias InboundIn = ByteBuffer
  typealias OutboundIn = ByteBuffer
  typealias OutboundOut = ByteBuffer

  private var partner: GlueHandler?
  private var context: ChannelHandlerContext?
  /// A read was asked for while the partner could not take more bytes.
  private var pendingRead = false
  /// Bytes read since the last flush to `tally`.
  private var unreported = 0
  private let tally: ((Int) -> Void)?

  private init(tally: ((Int) -> Void)?) { self.tally = tally }

  /// Two handlers glued to each other; `tally` gets the bytes each side reads.
  static func matchedPair(
    firstTally: ((Int) -> Void)? = nil, secondTally: ((Int) -> Void)? = nil
  ) -> (GlueHandler, GlueHandler) {
    let first = GlueHandler(tally: firstTally)
    let second = GlueHandler(tally: secondTally)
    first.partner = second
    second.partner = first
    return (first, second)
  }

  func handlerAdded(context: ChannelHandlerContext) { self.context = context }

  func handlerRemoved(context: ChannelHandlerContext) {
    self.context = nil
    self.partner = nil
  }

  // MARK: what the partner asks of this side

  private func partnerWrite(_ data: NIOAny) { context?.write(data, promise: nil) }

  private func partnerFlush() { context?.flush() }

  /// The partner's peer sent FIN: send FIN here once the bytes written so far are out.
  private func partnerReachedEOF() {
    afterPendingWrites { $0.close(mode: .output, promise: nil) }
  }

  /// The partner's channel is gone: close this one once the bytes written so far are out.
  private func partnerClosed() {
    afterPendingWrites { $0.close(promise: nil) }
  }

  private func partnerBecameWritable() {
    if pendingRead {
      pendingRead = false
      context?.read()
    }
  }

  private var isWritable: Bool { context?.channel.isWritable ?? false }

  /// Runs `action` after every write queued so far completed (or failed): an empty write
  /// completes in order behind them.
  private func afterPendingWrites(_ action: @escaping (ChannelHandlerContext) -> Void) {
    guard let context else { return }
    let promise = context.eventLoop.makePromise(of: Void.self)
    context.writeAndFlush(wrapOutboundOut(ByteBuffer()), promise: promise)
    promise.futureResult.assumeIsolated().whenComplete { _ in action(context) }
  }

  // MARK: events on this side

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    if tally != nil { unreported += unwrapInboundIn(data).readableBytes }
    partner?.partnerWrite(data)
  }

  func channelReadComplete(context: ChannelHandlerContext) {
    partner?.partnerFlush()
    if unreported > 0, let tally {
      tally(unreported)
      unreported = 0
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    partner?.partnerClosed()
    context.fireChannelInactive()
  }

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if let event = event as? ChannelEvent, event == .inputClosed {
      partner?.partnerReachedEOF()
    }
    context.fireUserInboundEventTriggered(event)
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    context.close(promise: nil)
  }

  func channelWritabilityChanged(context: ChannelHandlerContext) {
    if context.channel.isWritable { partner?.partnerBecameWritable() }
    context.fireChannelWritabilityChanged()
  }

  func read(context: ChannelHandlerContext) {
    if partner?.isWritable ?? true {
      context.read()
    } else {
      pendingRead = true
    }
  }
}

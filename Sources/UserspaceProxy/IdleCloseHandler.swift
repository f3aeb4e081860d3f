// Closes a proxied TCP connection when IdleStateHandler reports no traffic either way for the
// idle timeout (the client side's writes are the backend's bytes, so one side sees both).
import NIOCore

final class IdleCloseHandler: ChannelInboundHandler {
  typealias InboundIn = NIOAny

  func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
    if event is IdleStateHandler.IdleStateEvent {
      context.close(promise: nil)
      return
    }
    context.fireUserInboundEventTriggered(event)
  }
}

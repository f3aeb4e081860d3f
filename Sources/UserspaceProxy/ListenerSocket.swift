// Opening one listen socket: TCP (ServerBootstrap with accept back-off and counted accept errors)
// or UDP (DatagramBootstrap), SO_REUSEADDR, and IP_FREEBIND so that an address not yet on the host binds.
import NIOCore
import NIOPosix

/// Linux socket option numbers (linux/in.h, linux/in6.h); IPV6_FREEBIND is missing from older libc headers.
enum FreeBindOption {
  static let ipv4 = ChannelOptions.Types.SocketOption(level: .ip, name: .init(rawValue: 15))
  static let ipv6 = ChannelOptions.Types.SocketOption(level: .ipv6, name: .init(rawValue: 78))
}

/// Counts accept(2) errors that AcceptBackoffHandler (in front of it) is backing off from.
final class AcceptErrorCounter: ChannelInboundHandler {
  typealias InboundIn = Channel
  private let onError: (Error) -> Void

  init(onError: @escaping (Error) -> Void) { self.onError = onError }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    if error is IOError { onError(error) } else { context.fireErrorCaught(error) }
  }
}

enum ListenerSocket {
  /// Binds `listener.address` and serves it; the returned channel is the listen socket.
  static func open(
    _ listener: ServiceListener, group: EventLoopGroup, settings: ProxySettings, wide: ProxyWideCounters
  ) async throws -> Channel {
    let address = listener.address
    let freeBind = address.ip.family == .v4 ? FreeBindOption.ipv4 : FreeBindOption.ipv6
    let freeBindValue: SocketOptionValue = settings.freeBind ? 1 : 0
    switch address.transport {
    case .udp:
      return try await DatagramBootstrap(group: group)
        .channelOption(.socketOption(.so_reuseaddr), value: 1)
        .channelOption(freeBind, value: freeBindValue)
        .channelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            try channel.pipeline.syncOperations.addHandler(UDPRelayHandler(listener: listener, settings: settings))
          }
        }
        .bind(host: address.ip.description, port: address.port).get()
    default:
      let setup = TCPConnectionSetup(listener: listener, settings: settings, wide: wide)
      let backoff = settings.acceptBackoff
      let events = settings.events
      return try await ServerBootstrap(group: group)
        .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
        .serverChannelOption(freeBind, value: freeBindValue)
        .serverChannelOption(.backlog, value: 1024)
        .serverChannelInitializer { channel in
          channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            try pipeline.addHandler(AcceptBackoffHandler(shouldForwardIOErrorCaught: true) { _ in backoff })
            try pipeline.addHandler(
              AcceptErrorCounter { error in
                wide.countAcceptError()
                events?(.acceptFailed(address, error: "\(error)"))
              })
          }
        }
        .childChannelOption(.autoRead, value: false)
        .childChannelOption(.allowRemoteHalfClosure, value: true)
        .childChannelOption(.recvAllocator, value: settings.readBufferAllocator)
        .childChannelOption(.tcpOption(.tcp_nodelay), value: 1)
        .childChannelInitializer { client in
          client.eventLoop.makeCompletedFuture {
            try client.pipeline.syncOperations.addHandler(ConnectionStartHandler(setup: setup))
          }
        }
        .bind(host: address.ip.description, port: address.port).get()
    }
  }
}

// Opening one listen socket: TCP on the relay (accept back-off and counted accept errors are the
// relay's) or UDP (DatagramBootstrap), SO_REUSEADDR, and IP_FREEBIND so that an address not yet on the host binds.
import NIOCore
import NIOPosix
import TCPRelay

#if canImport(Glibc)
  import Glibc
#endif

/// Linux socket option numbers (linux/in.h, linux/in6.h); IPV6_FREEBIND is missing from older libc headers.
enum FreeBindOption {
  static let ipv4 = ChannelOptions.Types.SocketOption(level: .ip, name: .init(rawValue: 15))
  static let ipv6 = ChannelOptions.Types.SocketOption(level: .ipv6, name: .init(rawValue: 78))
}

enum ListenerSocket {
  /// Binds a UDP `listener.address` and serves it; the returned channel is the bound socket.
  static func openUDP(_ listener: ServiceListener, group: EventLoopGroup, settings: ProxySettings) async throws -> Channel {
    let address = listener.address
    let freeBind = address.ip.family == .v4 ? FreeBindOption.ipv4 : FreeBindOption.ipv6
    let freeBindValue: SocketOptionValue = settings.freeBind ? 1 : 0
    return try await DatagramBootstrap(group: group)
      .channelOption(.socketOption(.so_reuseaddr), value: 1)
      .channelOption(freeBind, value: freeBindValue)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(UDPRelayHandler(listener: listener, settings: settings))
        }
      }
      .bind(host: address.ip.description, port: address.port).get()
  }

  /// Binds a TCP `listener.address` on the relay, which accepts and relays its connections.
  static func openTCP(
    _ listener: ServiceListener, relay: RelayEngine, settings: ProxySettings, wide: ProxyWideCounters, shardOffset: Int
  ) throws -> RelayListener {
    guard (0...65_535).contains(listener.address.port) else {
      throw RelayError(operation: "bind", object: "\(listener.address)", code: EINVAL)
    }
    let route = TCPRelayRoute(listener: listener, settings: settings, wide: wide, shardOffset: shardOffset)
    return try relay.listen(on: RelayAddress(address: listener.address.ip, port: UInt16(listener.address.port)), delegate: route)
  }
}

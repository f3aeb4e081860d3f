// The sandbox's endpoint servers: every TCP connection and UDP datagram on a listen address is
// answered with one line `server=IP:PORT peer=IP:PORT` (the addresses as the pod's socket sees
// them: which endpoint answered, and whether the client's address was masqueraded), then closed.
import NIOCore
import NIOPosix

/// An address and protocol an echo server listens on.
public struct EchoListen: Sendable, Hashable, Codable, CustomStringConvertible {
  public enum Transport: String, Sendable, Hashable, Codable { case tcp, udp }
  public var ip: String
  public var port: Int
  public var transport: Transport
  public init(ip: String, port: Int, transport: Transport) {
    self.ip = ip
    self.port = port
    self.transport = transport
  }
  public var description: String { "\(transport.rawValue) \(ip.contains(":") ? "[\(ip)]" : ip):\(port)" }
}

/// `server=IP:PORT peer=IP:PORT`, as the packet tests' echo.py prints it (IPv6 not bracketed).
func echoLine(local: SocketAddress?, peer: SocketAddress?) -> String {
  func text(_ a: SocketAddress?) -> String { "\(a?.ipAddress ?? "?"):\(a?.port ?? 0)" }
  return "server=\(text(local)) peer=\(text(peer))\n"
}

private final class TCPEchoHandler: ChannelInboundHandler, Sendable {
  typealias InboundIn = ByteBuffer
  func channelActive(context: ChannelHandlerContext) {
    let line = echoLine(local: context.channel.localAddress, peer: context.channel.remoteAddress)
    let channel = context.channel
    channel.writeAndFlush(channel.allocator.buffer(string: line)).whenComplete { _ in channel.close(promise: nil) }
  }
  func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
}

private final class UDPEchoHandler: ChannelInboundHandler, Sendable {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>
  typealias OutboundOut = AddressedEnvelope<ByteBuffer>
  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let envelope = unwrapInboundIn(data)
    let line = echoLine(local: context.channel.localAddress, peer: envelope.remoteAddress)
    let reply = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: context.channel.allocator.buffer(string: line))
    context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
  }
  // A client that went away (ICMP errors on the socket) must not stop the server.
  func errorCaught(context: ChannelHandlerContext, error: Error) {}
}

public enum EchoServer {
  /// Binds every listen address, calls `ready`, and serves until the process ends.
  public static func serve(_ listens: [EchoListen], ready: @Sendable () -> Void) async throws -> Never {
    let group = MultiThreadedEventLoopGroup.singleton
    for l in listens {
      switch l.transport {
      case .tcp:
        _ = try await ServerBootstrap(group: group)
          .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
          .childChannelInitializer { $0.pipeline.addHandler(TCPEchoHandler()) }
          .bind(host: l.ip, port: l.port).get()
      case .udp:
        _ = try await DatagramBootstrap(group: group)
          .channelOption(.socketOption(.so_reuseaddr), value: 1)
          .channelInitializer { $0.pipeline.addHandler(UDPEchoHandler()) }
          .bind(host: l.ip, port: l.port).get()
      }
    }
    ready()
    while true { try await Task.sleep(for: .seconds(3600)) }
  }
}

// A small HTTP/1.1 server on SwiftNIO for the agent's endpoints: binds one address, answers each
// request with the reply its route computes (any method; HEAD without body), keep-alive as asked.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Computes the reply for a request path (query stripped).
public typealias HTTPRoute = @Sendable (_ path: String) -> HTTPReply

/// A listening HTTP server; `close()` it to stop listening and drop its connections.
public final class HTTPEndpointServer: Sendable {
  /// The bound host and port (the port the kernel chose when 0 was asked).
  public let host: String
  public let port: Int
  private let channel: Channel
  private let connections: OpenConnections

  private init(host: String, port: Int, channel: Channel, connections: OpenConnections) {
    self.host = host
    self.port = port
    self.channel = channel
    self.connections = connections
  }

  /// Binds `host:port` (port 0: an ephemeral one) and serves `route`. Throws when the address is taken.
  public static func start(
    host: String, port: Int, group: MultiThreadedEventLoopGroup = .singleton, route: @escaping HTTPRoute
  ) async throws -> HTTPEndpointServer {
    let connections = OpenConnections()
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 64)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        connections.add(channel)
        return channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
          try channel.pipeline.syncOperations.addHandler(RouteHandler(route: route))
        }
      }
    let channel = try await bootstrap.bind(host: host, port: port).get()
    return HTTPEndpointServer(host: host, port: channel.localAddress?.port ?? port, channel: channel, connections: connections)
  }

  /// Stops listening and closes the open connections (kube-proxy's http.Server.Close).
  public func close() async {
    try? await channel.close()
    for connection in connections.all { try? await connection.close() }
  }
}

/// The server's accepted connections that are still open.
final class OpenConnections: @unchecked Sendable {
  private let lock = NSLock()
  private var channels: [ObjectIdentifier: Channel] = [:]

  func add(_ channel: Channel) {
    let id = ObjectIdentifier(channel)
    lock.withLock { channels[id] = channel }
    channel.closeFuture.whenComplete { _ in self.lock.withLock { _ = self.channels.removeValue(forKey: id) } }
  }

  var all: [Channel] { lock.withLock { Array(channels.values) } }
}

/// Answers each complete request with its route's reply.
final class RouteHandler: ChannelInboundHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let route: HTTPRoute
  private var pending: HTTPRequestHead?

  init(route: @escaping HTTPRoute) { self.route = route }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head): pending = head
    case .body: break
    case .end:
      guard let head = pending else { return }
      pending = nil
      respond(to: head, context: context)
    }
  }

  private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
    let path = String(head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? "")
    let reply = route(path)
    var headers = HTTPHeaders(reply.headers.sorted { $0.key < $1.key }.map { ($0.key, $0.value) })
    let body = context.channel.allocator.buffer(string: reply.body)
    headers.replaceOrAdd(name: "Content-Length", value: String(body.readableBytes))
    let keepAlive = head.isKeepAlive
    if !keepAlive { headers.replaceOrAdd(name: "Connection", value: "close") }
    context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: reply.status, headers: headers))), promise: nil)
    if head.method != .HEAD { context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil) }
    let done = context.eventLoop.makePromise(of: Void.self)
    context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: done)
    if !keepAlive {
      let channel = context.channel
      done.futureResult.whenComplete { _ in channel.close(promise: nil) }
    }
  }
}

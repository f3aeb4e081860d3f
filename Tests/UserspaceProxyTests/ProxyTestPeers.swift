// In-process peers for the real-socket proxy tests: TCP and UDP backends that answer with their own
// address (then echo), a TCP test client that collects what it receives, and table builders.
import KubeAPI
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NetAddress
import ServiceProxy
import Testing

@testable import UserspaceProxy

/// The suites on real sockets run one test at a time: they share the machine's two cores, and
/// timing (affinity and flow expiry, drain grace) must not depend on what runs beside them.
@Suite(.serialized) struct RealSocketTests {}

struct TestTimeout: Error, CustomStringConvertible {
  var description: String
}

/// Polls `condition` every 5 ms until it holds; throws after `seconds`.
func eventually(_ what: String, seconds: Double = 5, _ condition: () async throws -> Bool) async throws {
  let deadline = NIODeadline.now() + .milliseconds(Int64(seconds * 1000))
  while try await !condition() {
    if NIODeadline.now() > deadline { throw TestTimeout(description: "timed out waiting for \(what)") }
    try await Task.sleep(for: .milliseconds(5))
  }
}

/// A TCP backend: sends "ip:port\n" (its own address) on accept, then echoes; on FIN it sends FIN
/// after the echo. With `finFirst` it sends FIN right after the greeting and records what it reads.
final class TCPIdentifyBackend: Sendable {
  let channel: Channel
  let name: String
  let endpoint: ProxyEndpoint
  let received = NIOLockedValueBox("")

  private final class Handler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer
    let name: String
    let finFirst: Bool
    let received: NIOLockedValueBox<String>
    init(name: String, finFirst: Bool, received: NIOLockedValueBox<String>) {
      self.name = name
      self.finFirst = finFirst
      self.received = received
    }
    func channelActive(context: ChannelHandlerContext) {
      context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: name + "\n")), promise: nil)
      if finFirst { context.close(mode: .output, promise: nil) }
    }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let buffer = unwrapInboundIn(data)
      received.withLockedValue { $0 += String(buffer: buffer) }
      if !finFirst { context.writeAndFlush(wrapOutboundOut(buffer), promise: nil) }
    }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
      if let event = event as? ChannelEvent, event == .inputClosed {
        context.close(mode: finFirst ? .all : .output, promise: nil)
      }
    }
    func errorCaught(context: ChannelHandlerContext, error: Error) { context.close(promise: nil) }
  }

  init(host: String, finFirst: Bool = false) async throws {
    let received = self.received
    let box = NIOLockedValueBox("")
    channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .serverChannelOption(.backlog, value: 2048)
      .childChannelOption(.allowRemoteHalfClosure, value: true)
      .childChannelInitializer { child in
        child.eventLoop.makeCompletedFuture {
          try child.pipeline.syncOperations.addHandler(
            Handler(name: box.withLockedValue { $0 }, finFirst: finFirst, received: received))
        }
      }
      .bind(host: host, port: 0).get()
    let port = channel.localAddress!.port!
    endpoint = ProxyEndpoint(address: IPAddress(host)!, port: UInt16(port))
    name = endpoint.description
    box.withLockedValue { $0 = endpoint.description }
  }

  func close() async { try? await channel.close() }
}

/// A UDP backend: answers each datagram with "ip:port|" + the datagram.
final class UDPIdentifyBackend: Sendable {
  let channel: Channel
  let endpoint: ProxyEndpoint

  private final class Handler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    let name: NIOLockedValueBox<String>
    init(name: NIOLockedValueBox<String>) { self.name = name }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let request = unwrapInboundIn(data)
      let reply = ByteBuffer(string: name.withLockedValue { $0 } + "|" + String(buffer: request.data))
      context.writeAndFlush(wrapOutboundOut(AddressedEnvelope(remoteAddress: request.remoteAddress, data: reply)), promise: nil)
    }
  }

  init(host: String) async throws {
    let name = NIOLockedValueBox("")
    channel = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Handler(name: name)) } }
      .bind(host: host, port: 0).get()
    endpoint = ProxyEndpoint(address: IPAddress(host)!, port: UInt16(channel.localAddress!.port!))
    name.withLockedValue { $0 = endpoint.description }
  }

  func close() async { try? await channel.close() }
}

/// A TCP client that collects everything it receives and notes EOF and errors.
final class TestClient: Sendable {
  struct Received {
    var text = ""
    var eof = false
    var error: String?
  }
  let channel: Channel
  let state: NIOLockedValueBox<Received>

  private final class Collector: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let state: NIOLockedValueBox<Received>
    init(state: NIOLockedValueBox<Received>) { self.state = state }
    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
      let text = String(buffer: unwrapInboundIn(data))
      state.withLockedValue { $0.text += text }
    }
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
      if let event = event as? ChannelEvent, event == .inputClosed { state.withLockedValue { $0.eof = true } }
    }
    func channelInactive(context: ChannelHandlerContext) { state.withLockedValue { $0.eof = true } }
    func errorCaught(context: ChannelHandlerContext, error: Error) {
      state.withLockedValue { $0.error = "\(error)" }
      context.close(promise: nil)
    }
  }

  init(to address: SocketAddress, from source: SocketAddress? = nil) async throws {
    let state = NIOLockedValueBox(Received())
    self.state = state
    var bootstrap = ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
      .channelOption(.allowRemoteHalfClosure, value: true)
      .channelInitializer { ch in ch.eventLoop.makeCompletedFuture { try ch.pipeline.syncOperations.addHandler(Collector(state: state)) } }
    if let source { bootstrap = bootstrap.bind(to: source) }
    channel = try await bootstrap.connect(to: address).get()
  }

  var received: Received { state.withLockedValue { $0 } }

  /// The first line received (the backend's name); throws when the connection ends without one.
  func firstLine(seconds: Double = 5) async throws -> String {
    try await eventually("a first line", seconds: seconds) {
      let now = received
      if now.text.contains("\n") { return true }
      if now.eof || now.error != nil { throw TestTimeout(description: "closed without a line: \(now)") }
      return false
    }
    return String(received.text.split(separator: "\n", omittingEmptySubsequences: false)[0])
  }

  /// True when the connection was closed or reset without any byte received.
  func wasRefused(seconds: Double = 5) async throws -> Bool {
    try await eventually("the connection to end", seconds: seconds) {
      let r = received; return r.eof || r.error != nil
    }
    return received.text.isEmpty
  }

  /// True when a connection to `address` is reset (at connect or before any byte arrives).
  static func isReset(_ address: SocketAddress) async -> Bool {
    do {
      let client = try await TestClient(to: address)
      try await eventually("the connection to end") {
        let r = client.received; return r.eof || r.error != nil
      }
      let received = client.received
      return received.text.isEmpty && (received.error?.contains("reset") ?? false)
    } catch {
      return "\(error)".contains("reset")
    }
  }

  func send(_ text: String) async throws { try await channel.writeAndFlush(ByteBuffer(string: text)) }
  func finish() async throws { try await channel.close(mode: .output) }
  func close() async { try? await channel.close() }
}

enum ProxyTables {
  static let name = ServicePortName(service: NamespacedName(namespace: "ns", name: "svc"), port: "p", protocol_: .tcp)

  /// One service port: `listen` (ip, port 0 unless given) → `endpoints`.
  static func single(
    listen: String, port: Int = 0, transport: L4Protocol = .tcp, endpoints: [ProxyEndpoint],
    affinitySeconds: Int? = nil, name: ServicePortName = name
  ) -> (ProxyTable, ListenAddress) {
    let address = ListenAddress(ip: IPAddress(listen)!, port: port, transport: transport)
    let choice = EndpointChoice(endpoints: endpoints.sorted())
    let port = ProxiedServicePort(
      name: name, listeners: [address: .internal], internalEndpoints: choice, externalEndpoints: choice,
      affinityTimeoutSeconds: affinitySeconds)
    return (ProxyTable(ports: [name: port]), address)
  }
}

extension ProxyServer {
  /// Applies `table` and returns where `address` got bound (ephemeral port resolved).
  func applyAndLocate(_ table: ProxyTable, _ address: ListenAddress) async throws -> SocketAddress {
    let report = await apply(table)
    #expect(report.failed.isEmpty, "\(report.failed)")
    return try #require(boundAddress(of: address))
  }
}

// Probes from inside a sandbox namespace: N fresh TCP connections or UDP exchanges to a target,
// each reported as the echo server's line or as `error=REASON` (refused, timeout, unreachable,
// EPERM: a packet the sending node's own output hook refused).
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#endif

public enum ProbeClient {
  /// One attempt's line: `server=… peer=…` or `error=…`.
  public static func attempt(to target: SocketAddress, transport: EchoListen.Transport, timeout: TimeAmount) async -> String {
    let group = MultiThreadedEventLoopGroup.singleton
    let done = FirstLine(group.next().makePromise(of: String.self))
    let timer = group.next().scheduleTask(in: timeout) { done.succeed("error=timeout") }
    defer { timer.cancel() }
    do {
      let channel: Channel
      switch transport {
      case .tcp:
        channel = try await ClientBootstrap(group: group)
          .connectTimeout(timeout)
          .channelInitializer { $0.pipeline.addHandler(LineCollector(done: done)) }
          .connect(to: target).get()
      case .udp:
        channel = try await DatagramBootstrap(group: group)
          .channelInitializer { $0.pipeline.addHandler(DatagramLine(done: done)) }
          .connect(to: target).get()
        try await channel.writeAndFlush(channel.allocator.buffer(string: "ping\n")).get()
      }
      let line = (try? await done.promise.futureResult.get()) ?? "error=timeout"
      try? await channel.close().get()
      return line
    } catch {
      done.succeed(reason(error))
      return (try? await done.promise.futureResult.get()) ?? reason(error)
    }
  }

  static func reason(_ error: Error) -> String {
    var errno: CInt?
    if let e = error as? IOError { errno = e.errnoCode }
    if let e = error as? NIOConnectionError, let first = e.connectionErrors.first?.error as? IOError { errno = first.errnoCode }
    if let e = error as? ChannelError, case .connectTimeout = e { return "error=timeout" }
    switch errno {
    case ECONNREFUSED: return "error=refused"
    case EHOSTUNREACH, ENETUNREACH: return "error=unreachable"
    case ETIMEDOUT: return "error=timeout"
    case EPERM: return "error=EPERM"
    case let code?: return "error=errno\(code)"
    case nil: return "error=\(error)"
    }
  }
}

/// Collects a TCP reply line; the connection's end or an error completes it.
private final class LineCollector: ChannelInboundHandler, @unchecked Sendable {
  typealias InboundIn = ByteBuffer
  let done: FirstLine
  var text = ""
  init(done: FirstLine) { self.done = done }
  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var b = unwrapInboundIn(data)
    text += b.readString(length: b.readableBytes) ?? ""
  }
  func channelInactive(context: ChannelHandlerContext) {
    let line = text.split(separator: "\n").first.map(String.init) ?? "error=empty"
    done.succeed(line)
  }
  func errorCaught(context: ChannelHandlerContext, error: Error) {
    done.succeed(ProbeClient.reason(error))
    context.close(promise: nil)
  }
}

/// Takes the first UDP reply, or the ICMP error the kernel reports on the connected socket.
private final class DatagramLine: ChannelInboundHandler, @unchecked Sendable {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>
  let done: FirstLine
  init(done: FirstLine) { self.done = done }
  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    var b = unwrapInboundIn(data).data
    done.succeed((b.readString(length: b.readableBytes) ?? "").split(separator: "\n").first.map(String.init) ?? "error=empty")
  }
  func errorCaught(context: ChannelHandlerContext, error: Error) { done.succeed(ProbeClient.reason(error)) }
}

/// The attempt's result: whichever comes first (reply, error, timeout) wins; later ones are ignored.
final class FirstLine: Sendable {
  let promise: EventLoopPromise<String>
  private let completed = NIOLockedValueBox(false)
  init(_ promise: EventLoopPromise<String>) { self.promise = promise }
  func succeed(_ line: String) {
    let first = completed.withLockedValue { done in
      defer { done = true }
      return !done
    }
    if first { promise.succeed(line) }
  }
}

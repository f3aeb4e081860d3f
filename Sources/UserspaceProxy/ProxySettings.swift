// How the userspace proxy behaves: dial timeouts and back-off, idle timeouts, the connection
// limit, the drain grace period, event-loop threads, read buffers, and where notable events go.
import NIOCore

/// Something worth a log line; ProxyServer reports it through `ProxySettings.events`.
public enum ProxyEvent: Sendable, Hashable {
  /// `--max-connections` refused a connection on this listener.
  case connectionLimitReached(ListenAddress, limit: Int)
  /// accept(2) failed (EMFILE, ENFILE …); the listener backs off and keeps serving.
  case acceptFailed(ListenAddress, error: String)
  /// Every endpoint tried for a connection failed; the client was reset.
  case allEndpointsFailed(ListenAddress, tried: [ProxyEndpoint])
  /// A listener that was removed finished draining (its last connections were closed).
  case drained(ListenAddress, closedConnections: Int)
}

/// The proxy's tunables (defaults follow kube-proxy's old userspace mode where it had one).
public struct ProxySettings: Sendable {
  /// Connect timeout of each attempt; one attempt per entry, each on the next endpoint.
  public var connectTimeouts: [TimeAmount]
  /// An endpoint whose dial failed is skipped for this long, doubling per further failure …
  public var endpointBackoff: TimeAmount
  /// … up to this.
  public var endpointBackoffMax: TimeAmount
  /// A TCP connection with no traffic either way for this long is closed; nil: never.
  public var tcpIdleTimeout: TimeAmount?
  /// A UDP flow with no packet either way for this long is forgotten (kube-proxy's --udp-timeout).
  public var udpTimeout: TimeAmount
  /// Open proxied TCP connections at most; further ones are reset. 0: unlimited.
  public var maxConnections: Int
  /// Connections of a removed listener are closed after this long.
  public var drainGracePeriod: TimeAmount
  /// Event-loop threads.
  public var threads: Int
  /// accept(2) pauses this long after it failed (EMFILE, ENFILE …).
  public var acceptBackoff: TimeAmount
  /// Bind listen addresses not (yet) on the host (IP_FREEBIND / IPV6_FREEBIND).
  public var freeBind: Bool
  /// The first read buffer of each proxied TCP socket, in bytes; NIO's adaptive allocator grows it
  /// (up to 64 KiB) for connections that read more. Every socket keeps one buffer of its current
  /// size while open, so this is most of an idle connection's memory (two sockets each).
  public var initialReadBuffer: Int
  /// Called (on an event loop; keep it quick) for each notable event.
  public var events: (@Sendable (ProxyEvent) -> Void)?

  public init(
    connectTimeouts: [TimeAmount] = [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2)],
    endpointBackoff: TimeAmount = .seconds(1), endpointBackoffMax: TimeAmount = .seconds(16),
    tcpIdleTimeout: TimeAmount? = .hours(1), udpTimeout: TimeAmount = .milliseconds(250), maxConnections: Int = 0,
    drainGracePeriod: TimeAmount = .seconds(30), threads: Int = 1, acceptBackoff: TimeAmount = .milliseconds(100),
    freeBind: Bool = true, initialReadBuffer: Int = 512, events: (@Sendable (ProxyEvent) -> Void)? = nil
  ) {
    self.connectTimeouts = connectTimeouts
    self.endpointBackoff = endpointBackoff
    self.endpointBackoffMax = endpointBackoffMax
    self.tcpIdleTimeout = tcpIdleTimeout
    self.udpTimeout = udpTimeout
    self.maxConnections = maxConnections
    self.drainGracePeriod = drainGracePeriod
    self.threads = threads
    self.acceptBackoff = acceptBackoff
    self.freeBind = freeBind
    self.initialReadBuffer = initialReadBuffer
    self.events = events
  }
}

extension ProxySettings {
  /// NIO's adaptive allocator starting at `initialReadBuffer` (64 B to 64 KiB).
  var readBufferAllocator: AdaptiveRecvByteBufferAllocator {
    let initial = min(max(initialReadBuffer, 64), 65_536)
    return AdaptiveRecvByteBufferAllocator(minimum: 64, initial: initial, maximum: 65_536)
  }
}

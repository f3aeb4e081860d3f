// How the userspace proxy behaves: dial timeouts and back-off, idle timeouts, the connection
// limit, the drain grace period, event-loop threads, read buffers, and where notable events go.
import NIOCore
import TCPRelay

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
  /// Event-loop threads: this many relay loops for TCP, and as many NIO loops for UDP.
  public var threads: Int
  /// accept(2) pauses this long after it failed (EMFILE, ENFILE …).
  public var acceptBackoff: TimeAmount
  /// Bind listen addresses not (yet) on the host (IP_FREEBIND / IPV6_FREEBIND).
  public var freeBind: Bool
  /// The buffer each relay loop reads TCP bytes into, in bytes (64 B to 1 MiB). Bytes are written
  /// on at once; a connection holds memory of its own only for what its partner could not take yet.
  public var readBufferSize: Int
  /// Called (on an event loop; keep it quick) for each notable event.
  public var events: (@Sendable (ProxyEvent) -> Void)?

  public init(
    connectTimeouts: [TimeAmount] = [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2)],
    endpointBackoff: TimeAmount = .seconds(1), endpointBackoffMax: TimeAmount = .seconds(16),
    tcpIdleTimeout: TimeAmount? = .hours(1), udpTimeout: TimeAmount = .milliseconds(250), maxConnections: Int = 0,
    drainGracePeriod: TimeAmount = .seconds(30), threads: Int = 1, acceptBackoff: TimeAmount = .milliseconds(100),
    freeBind: Bool = true, readBufferSize: Int = 65_536, events: (@Sendable (ProxyEvent) -> Void)? = nil
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
    self.readBufferSize = readBufferSize
    self.events = events
  }
}

extension ProxySettings {
  /// The TCP relay's part of these settings.
  var relaySettings: RelaySettings {
    RelaySettings(
      connectTimeouts: connectTimeouts.map { UInt64(max(1, $0.nanoseconds)) },
      idleTimeout: tcpIdleTimeout.map { UInt64(max(1, $0.nanoseconds)) },
      acceptBackoff: UInt64(max(0, acceptBackoff.nanoseconds)), freeBind: freeBind,
      readBufferSize: min(max(readBufferSize, 64), 1 << 20))
  }
}

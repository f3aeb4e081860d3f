// What the relay asks of its user (UserspaceProxy): per listener, whether and where to send an
// accepted connection; per connection, the outcome of each dial and the bytes moved. And its settings.
import NetAddress

/// One accepted connection as the relay's user sees it. Every method is called on the event loop
/// thread that owns the connection, `closed()` exactly once, last.
public protocol RelayConnection: AnyObject {
  /// The endpoints to dial, in order: attempt N dials `targets[N]` with the Nth connect timeout.
  var targets: [RelayAddress] { get }
  /// Attempt `attempt` connected; bytes flow from now on.
  func dialSucceeded(attempt: Int)
  /// Attempt `attempt` failed (refused, unreachable, timed out). `outOfFiles`: the proxy could
  /// not open a socket (EMFILE/ENFILE), which is not the endpoint's fault; no attempt follows.
  func dialFailed(attempt: Int, outOfFiles: Bool)
  /// Every attempt failed; the client is reset.
  func allEndpointsFailed(attempts: Int)
  /// Bytes read from the client and written towards the endpoint.
  func relayedFromClient(_ bytes: Int)
  /// Bytes read from the endpoint and written towards the client.
  func relayedToClient(_ bytes: Int)
  /// Both sockets are closed.
  func closed()
}

/// What a listener does with the connections it accepts. Called on the accepting loop's thread.
public protocol RelayListenerDelegate: AnyObject, Sendable {
  /// A connection from `client` was accepted on loop `loop`: its relay state, or nil to refuse it
  /// (the client is reset; the delegate counts why).
  func accepted(client: IPAddress?, loop: Int) -> RelayConnection?
  /// accept(2) failed; the listener pauses on that loop for the accept back-off and goes on.
  func acceptFailed(_ error: RelayError)
}

/// How the relay behaves.
public struct RelaySettings: Sendable {
  /// Connect timeout of each attempt, in nanoseconds; at most this many attempts per connection.
  public var connectTimeouts: [UInt64]
  /// A connection with no bytes either way for this long (ns) is closed; nil: never.
  public var idleTimeout: UInt64?
  /// accept(2) pauses this long (ns) on a loop after it failed (EMFILE, ENFILE …).
  public var acceptBackoff: UInt64
  /// Bind addresses not (yet) on the host (IP_FREEBIND / IPV6_FREEBIND).
  public var freeBind: Bool
  /// listen(2) backlog (the kernel caps it at net.core.somaxconn, 4096 by default): a burst of
  /// connects beyond it loses SYNs, which clients retry only after a second.
  public var backlog: Int32
  /// The read buffer each loop shares (bytes are written on at once; only what a socket cannot
  /// take is kept, per connection, until it can).
  public var readBufferSize: Int

  public init(
    connectTimeouts: [UInt64] = [250_000_000, 500_000_000, 1_000_000_000, 2_000_000_000], idleTimeout: UInt64? = nil,
    acceptBackoff: UInt64 = 100_000_000, freeBind: Bool = true, backlog: Int32 = 4096, readBufferSize: Int = 65_536
  ) {
    self.connectTimeouts = connectTimeouts
    self.idleTimeout = idleTimeout
    self.acceptBackoff = acceptBackoff
    self.freeBind = freeBind
    self.backlog = backlog
    self.readBufferSize = readBufferSize
  }

  /// How often a loop sweeps for idle connections: an eighth of the timeout (a connection closes
  /// at most 12.5 % late), between 1 ms and 60 s.
  static func sweepPeriod(for timeout: UInt64) -> UInt64 { min(max(timeout / 8, 1_000_000), 60_000_000_000) }
}

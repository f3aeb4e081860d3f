// The connections one event loop proxies (TCP clients, UDP flow channels), touched only on that
// loop: O(1) add and remove, what a drain must close, and the idle sweep that replaces a timer per connection.
import NIOCore

/// One proxied connection as its event loop tracks it.
final class TrackedConnection {
  let channel: Channel
  /// The listener that accepted it (what a drain closes).
  let listener: ObjectIdentifier
  /// Its index in the registry; -1 once removed.
  fileprivate(set) var slot = -1
  /// Subject to the TCP idle timeout (set once client and endpoint are glued).
  var watchesIdleness = false
  /// Bytes moved either way since the last sweep.
  var sawTraffic = false
  /// The sweep that last saw traffic (or the glue time): the connection is quiet since at most then.
  var quietSince = NIODeadline.uptimeNanoseconds(0)

  init(channel: Channel, listener: ObjectIdentifier) {
    self.channel = channel
    self.listener = listener
  }

  /// Starts the idle clock at `now` (no traffic seen yet).
  func watchIdleness(now: NIODeadline) {
    watchesIdleness = true
    sawTraffic = false
    quietSince = now
  }
}

/// The connections of one event loop. Not thread-safe: only its loop uses it.
struct ConnectionRegistry {
  private(set) var connections: [TrackedConnection] = []

  var count: Int { connections.count }

  mutating func add(_ connection: TrackedConnection) {
    precondition(connection.slot < 0, "a connection is tracked once")
    connection.slot = connections.count
    connections.append(connection)
  }

  /// Forgets `connection` (swaps the last one into its slot); a second call does nothing.
  mutating func remove(_ connection: TrackedConnection) {
    let slot = connection.slot
    guard slot >= 0, slot < connections.count, connections[slot] === connection else { return }
    let last = connections.removeLast()
    if last !== connection {
      connections[slot] = last
      last.slot = slot
    }
    connection.slot = -1
  }

  func count(of listener: ObjectIdentifier) -> Int {
    connections.reduce(0) { $0 + ($1.listener == listener ? 1 : 0) }
  }

  func channels(of listener: ObjectIdentifier) -> [Channel] {
    connections.lazy.filter { $0.listener == listener }.map(\.channel)
  }

  /// One idle sweep at `now`: a watched connection that moved bytes since the previous sweep is
  /// quiet from `now` on; one quiet for `timeout` or longer is returned, to be closed. A
  /// connection is never returned before `timeout` after its last traffic, and at most one sweep
  /// period after.
  func sweepIdle(now: NIODeadline, timeout: TimeAmount) -> [TrackedConnection] {
    var idle: [TrackedConnection] = []
    for connection in connections where connection.watchesIdleness {
      if connection.sawTraffic {
        connection.sawTraffic = false
        connection.quietSince = now
      } else if now - connection.quietSince >= timeout {
        idle.append(connection)
      }
    }
    return idle
  }

  /// How often to sweep for `timeout`: an eighth of it (so a connection closes at most 12.5 % late),
  /// between 1 ms and 60 s.
  static func sweepPeriod(for timeout: TimeAmount) -> TimeAmount {
    .nanoseconds(min(max(timeout.nanoseconds / 8, 1_000_000), 60_000_000_000))
  }
}

// The UDP flow channels one NIO event loop proxies, touched only on that loop: O(1) add and
// remove, and what a drain must close.
import NIOCore

/// One proxied connection as its event loop tracks it.
final class TrackedConnection {
  let channel: Channel
  /// The listener that accepted it (what a drain closes).
  let listener: ObjectIdentifier
  /// Its index in the registry; -1 once removed.
  fileprivate(set) var slot = -1

  init(channel: Channel, listener: ObjectIdentifier) {
    self.channel = channel
    self.listener = listener
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
}

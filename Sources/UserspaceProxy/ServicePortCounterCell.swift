// The counters of one service port, one shard per event loop (NIO's for UDP, then the TCP relay's)
// so that the connection path takes no lock (each loop adds to its own shard; `statistics()` sums
// the shards on their loops), and the proxy-wide counters.
import NIOConcurrencyHelpers

/// One event loop's part of a service port's counters; used only on that loop.
final class ServicePortCounterShard: @unchecked Sendable {
  var counters = ServicePortCounters()
}

/// ServicePortCounters that event loops update (each its shard) and `statistics()` reads.
final class ServicePortCounterCell: Sendable {
  private let shards: [ServicePortCounterShard]

  /// A cell with one shard per event loop (`loops` in all).
  init(loops: Int) { shards = (0..<max(1, loops)).map { _ in ServicePortCounterShard() } }

  /// The shard of NIO loop `loop`, to be updated only on it.
  func shard(_ loop: ProxyLoop) -> ServicePortCounterShard { shards[loop.index] }

  /// Shard `index` (NIO loops first, then relay loops), to be updated only on its loop.
  func shard(index: Int) -> ServicePortCounterShard { shards[index] }

  /// The counters of shard `index` (read on that shard's loop).
  func counters(ofShard index: Int) -> ServicePortCounters { shards[index].counters }

  /// The sum of shards' counters.
  static func sum(_ parts: [ServicePortCounters]) -> ServicePortCounters {
    var total = ServicePortCounters()
    for part in parts {
      total.activeConnections += part.activeConnections
      total.totalConnections += part.totalConnections
      total.dialFailures += part.dialFailures
      total.rejectedConnections += part.rejectedConnections
      total.bytesFromClients += part.bytesFromClients
      total.bytesToClients += part.bytesToClients
    }
    return total
  }
}

/// The counters that belong to no service port, and the open-connection count for the limit.
final class ProxyWideCounters: Sendable {
  private struct State {
    var openConnections = 0
    var connectionLimitHits = 0
    var acceptErrors = 0
  }
  private let box = NIOLockedValueBox(State())
  /// `--max-connections`; 0 (unlimited): connections are not counted here, no lock is taken.
  let limit: Int

  init(limit: Int) { self.limit = max(0, limit) }

  /// Takes one connection slot; false (and a limit hit counted) when the limit is reached.
  func admitConnection() -> Bool {
    guard limit > 0 else { return true }
    return box.withLockedValue {
      if $0.openConnections >= limit {
        $0.connectionLimitHits += 1
        return false
      }
      $0.openConnections += 1
      return true
    }
  }

  /// Gives back the slot of an admitted connection.
  func releaseConnection() {
    guard limit > 0 else { return }
    box.withLockedValue { $0.openConnections -= 1 }
  }

  func countAcceptError() { box.withLockedValue { $0.acceptErrors += 1 } }

  var connectionLimitHits: Int { box.withLockedValue { $0.connectionLimitHits } }
  var acceptErrors: Int { box.withLockedValue { $0.acceptErrors } }
}

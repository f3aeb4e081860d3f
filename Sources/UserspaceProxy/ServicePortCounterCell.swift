// The counters of one service port, shared by its listeners' event loops behind a lock (one
// uncontended lock per accepted connection or read batch), and the proxy-wide counters.
import NIOConcurrencyHelpers

/// ServicePortCounters that event loops update and `statistics()` reads.
final class ServicePortCounterCell: Sendable {
  private let box = NIOLockedValueBox(ServicePortCounters())

  func update(_ body: (inout ServicePortCounters) -> Void) { box.withLockedValue { body(&$0) } }

  func addBytesFromClients(_ count: Int) { box.withLockedValue { $0.bytesFromClients += count } }

  func addBytesToClients(_ count: Int) { box.withLockedValue { $0.bytesToClients += count } }

  var snapshot: ServicePortCounters { box.withLockedValue { $0 } }
}

/// The counters that belong to no service port, and the open-connection count for the limit.
final class ProxyWideCounters: Sendable {
  private struct State {
    var openConnections = 0
    var connectionLimitHits = 0
    var acceptErrors = 0
  }
  private let box = NIOLockedValueBox(State())

  /// Takes one connection slot; false (and a limit hit counted) when `limit` (> 0) is reached.
  func admitConnection(limit: Int) -> Bool {
    box.withLockedValue {
      if limit > 0 && $0.openConnections >= limit {
        $0.connectionLimitHits += 1
        return false
      }
      $0.openConnections += 1
      return true
    }
  }

  func releaseConnection() { box.withLockedValue { $0.openConnections -= 1 } }

  func countAcceptError() { box.withLockedValue { $0.acceptErrors += 1 } }

  var connectionLimitHits: Int { box.withLockedValue { $0.connectionLimitHits } }
  var acceptErrors: Int { box.withLockedValue { $0.acceptErrors } }
}

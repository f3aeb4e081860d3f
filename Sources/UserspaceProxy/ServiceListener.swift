// One open listen socket (TCP or UDP) and what it serves now: the service port's counters and the
// balancer of its scope, swapped atomically by apply; and the connections to drain when it closes.
import NIOConcurrencyHelpers
import NIOCore
import ServiceProxy

/// What a listener hands new connections to; replaced as a whole when the table changes.
struct ListenerRoute: Sendable {
  var name: ServicePortName
  var balancer: EndpointBalancer
  var counters: ServicePortCounterCell
}

/// A bound listener and its open connections (TCP client channels, UDP flow channels).
final class ServiceListener: Sendable {
  let address: ListenAddress
  private let routeBox: NIOLockedValueBox<ListenerRoute>
  private let connectionsBox = NIOLockedValueBox<[ObjectIdentifier: Channel]>([:])
  private let channelBox = NIOLockedValueBox<Channel?>(nil)

  init(address: ListenAddress, route: ListenerRoute) {
    self.address = address
    self.routeBox = NIOLockedValueBox(route)
  }

  var route: ListenerRoute {
    get { routeBox.withLockedValue { $0 } }
    set { routeBox.withLockedValue { $0 = newValue } }
  }

  /// The bound socket's channel (set once bound).
  var channel: Channel? {
    get { channelBox.withLockedValue { $0 } }
    set { channelBox.withLockedValue { $0 = newValue } }
  }

  /// Tracks `connection` until it closes, so that a drain can close it.
  func track(_ connection: Channel) {
    let id = ObjectIdentifier(connection)
    connectionsBox.withLockedValue { $0[id] = connection }
    connection.closeFuture.whenComplete { [connectionsBox] _ in
      _ = connectionsBox.withLockedValue { $0.removeValue(forKey: id) }
    }
  }

  var openConnections: Int { connectionsBox.withLockedValue { $0.count } }

  /// Closes the listen socket: no new connections (a UDP listener's flows end with it).
  func stopAccepting() async {
    if let channel { try? await channel.close() }
  }

  /// After `stopAccepting`: closes the connections left after `grace`; returns how many it closed.
  func drain(grace: TimeAmount) async -> Int {
    let deadline = NIODeadline.now() + grace
    while openConnections > 0 && NIODeadline.now() < deadline {
      try? await Task.sleep(for: .milliseconds(min(100, max(1, grace.nanoseconds / 1_000_000))))
    }
    return await closeAll()
  }

  /// Closes the listen socket and every connection at once; returns how many connections it closed.
  @discardableResult
  func closeAll() async -> Int {
    if let channel { try? await channel.close() }
    let open = connectionsBox.withLockedValue { Array($0.values) }
    for connection in open { try? await connection.close() }
    return open.count
  }
}

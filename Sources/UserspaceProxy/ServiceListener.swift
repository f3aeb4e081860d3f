// One open listen socket (TCP or UDP) and what it serves now: the service port's counters and the
// balancer of its scope, swapped atomically by apply; and the drain of its connections when it closes.
import NIOConcurrencyHelpers
import NIOCore
import ServiceProxy

/// What a listener hands new connections to; replaced as a whole when the table changes.
struct ListenerRoute: Sendable {
  var name: ServicePortName
  var balancer: EndpointBalancer
  var counters: ServicePortCounterCell
}

/// A bound listener. Its open connections (TCP client channels, UDP flow channels) are tracked by
/// the event loops they are on (`ProxyLoop.connections`), under this listener's `id`.
final class ServiceListener: Sendable {
  let address: ListenAddress
  let loops: ProxyLoops
  private let routeBox: NIOLockedValueBox<ListenerRoute>
  private let channelBox = NIOLockedValueBox<Channel?>(nil)

  init(address: ListenAddress, route: ListenerRoute, loops: ProxyLoops) {
    self.address = address
    self.loops = loops
    self.routeBox = NIOLockedValueBox(route)
  }

  /// What connections of this listener are tracked under.
  var id: ObjectIdentifier { ObjectIdentifier(self) }

  var route: ListenerRoute {
    get { routeBox.withLockedValue { $0 } }
    set { routeBox.withLockedValue { $0 = newValue } }
  }

  /// The bound socket's channel (set once bound).
  var channel: Channel? {
    get { channelBox.withLockedValue { $0 } }
    set { channelBox.withLockedValue { $0 = newValue } }
  }

  /// Tracks `connection` (on its own event loop) until it closes, so that a drain can close it;
  /// then runs `onClose`. Call on `connection`'s event loop.
  @discardableResult
  func track(_ connection: Channel, on loop: ProxyLoop, onClose: (() -> Void)? = nil) -> TrackedConnection {
    let tracked = TrackedConnection(channel: connection, listener: id)
    loop.connections.add(tracked)
    connection.closeFuture.assumeIsolated().whenComplete { _ in
      loop.connections.remove(tracked)
      onClose?()
    }
    return tracked
  }

  var openConnections: Int { get async { await loops.openConnections(of: id) } }

  /// Closes the listen socket: no new connections (a UDP listener's flows end with it).
  func stopAccepting() async {
    if let channel { try? await channel.close() }
  }

  /// After `stopAccepting`: closes the connections left after `grace`; returns how many it closed.
  func drain(grace: TimeAmount) async -> Int {
    let deadline = NIODeadline.now() + grace
    while await openConnections > 0 && NIODeadline.now() < deadline {
      try? await Task.sleep(for: .milliseconds(min(100, max(1, grace.nanoseconds / 1_000_000))))
    }
    return await closeAll()
  }

  /// Closes the listen socket and every connection at once; returns how many connections it closed.
  @discardableResult
  func closeAll() async -> Int {
    if let channel { try? await channel.close() }
    return await loops.closeConnections(of: id)
  }
}

// One open listen socket (TCP on the relay, UDP on NIO) and what it serves now: the service port's
// counters and the balancer of its scope, swapped atomically by apply; and the drain of its
// connections when it closes.
import NIOConcurrencyHelpers
import NIOCore
import ServiceProxy
import TCPRelay

/// What a listener hands new connections to; replaced as a whole when the table changes.
struct ListenerRoute: Sendable {
  var name: ServicePortName
  var balancer: EndpointBalancer
  var counters: ServicePortCounterCell
}

/// A bound listener. A TCP listener's connections are the relay's (found by its RelayListener); a
/// UDP listener's flow channels are tracked by the NIO loops they are on (`ProxyLoop.connections`),
/// under this listener's `id`.
final class ServiceListener: Sendable {
  let address: ListenAddress
  let loops: ProxyLoops
  private let routeBox: NIOLockedValueBox<ListenerRoute>
  private let channelBox = NIOLockedValueBox<Channel?>(nil)
  private let relayBox = NIOLockedValueBox<(RelayEngine, RelayListener)?>(nil)

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

  /// A UDP listener's bound channel (set once bound).
  var channel: Channel? {
    get { channelBox.withLockedValue { $0 } }
    set { channelBox.withLockedValue { $0 = newValue } }
  }

  /// A TCP listener's relay socket (set once bound).
  var relay: (RelayEngine, RelayListener)? {
    get { relayBox.withLockedValue { $0 } }
    set { relayBox.withLockedValue { $0 = newValue } }
  }

  /// The address bound (its port chosen by the kernel when the table asked for port 0).
  var boundAddress: SocketAddress? {
    if let (_, listener) = relay { return try? SocketAddress(ipAddress: address.ip.description, port: Int(listener.boundPort)) }
    return channel?.localAddress
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

  var openConnections: Int {
    get async {
      if let (engine, listener) = relay { return await engine.openConnections(of: listener) }
      return await loops.openConnections(of: id)
    }
  }

  /// Closes the listen socket: no new connections (a UDP listener's flows end with it).
  func stopAccepting() async {
    if let channel { try? await channel.close() }
    if let (engine, listener) = relay { await engine.stopAccepting(listener) }
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
    await stopAccepting()
    if let (engine, listener) = relay {
      let closed = await engine.closeConnections(of: listener)
      // The relay listener's delegate holds this listener: let both go.
      relay = nil
      return closed
    }
    return await loops.closeConnections(of: id)
  }
}

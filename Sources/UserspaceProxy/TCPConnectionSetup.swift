// What happens to an accepted TCP connection: admit it under the connection limit, dial the
// balancer's endpoints in turn with the per-attempt timeouts, then glue client and endpoint.
import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Sets up one accepted client connection (all on the client channel's event loop, with that
/// loop's counter shard, dialers and connection registry: no lock unless `--max-connections` is set).
struct TCPConnectionSetup {
  let listener: ServiceListener
  let settings: ProxySettings
  let wide: ProxyWideCounters

  /// The child-channel initializer body: the client is not read from until its endpoint answers.
  func start(client: Channel) {
    let loop = listener.loops.loop(for: client.eventLoop)
    let route = listener.route
    let counters = route.counters.shard(loop)
    guard wide.admitConnection() else {
      counters.counters.rejectedConnections += 1
      settings.events?(.connectionLimitReached(listener.address, limit: settings.maxConnections))
      client.resetAndClose()
      return
    }
    counters.counters.totalConnections += 1
    counters.counters.activeConnections += 1
    let tracked = listener.track(client, on: loop) { [wide] in
      wide.releaseConnection()
      counters.counters.activeConnections -= 1
    }
    let plan = route.balancer.dialPlan(client: client.remoteAddress)
    guard !plan.isEmpty else {
      counters.counters.rejectedConnections += 1
      client.resetAndClose()
      return
    }
    let connection = ProxiedConnection(
      client: client, tracked: tracked, route: route, counters: counters, loop: loop, plan: plan)
    dial(connection, attempt: 0)
  }

  private func dial(_ connection: ProxiedConnection, attempt: Int) {
    let client = connection.client
    guard client.isActive else { return }
    let plan = connection.plan
    guard attempt < plan.count, attempt < connection.loop.dialers.count else {
      connection.counters.counters.rejectedConnections += 1
      settings.events?(.allEndpointsFailed(listener.address, tried: plan.prefix(attempt).map(\.0)))
      client.resetAndClose()
      return
    }
    let (endpoint, address) = plan[attempt]
    connection.loop.dialers[attempt]
      .connect(to: address)
      .assumeIsolated()
      .whenComplete { result in
        switch result {
        case .success(let backend):
          connection.route.balancer.dialSucceeded(client: client.remoteAddress, endpoint: endpoint)
          glue(connection, backend: backend)
        case .failure(let error):
          connection.counters.counters.dialFailures += 1
          if let code = (error as? IOError)?.errnoCode, code == EMFILE || code == ENFILE {
            // Out of file descriptors here, not the endpoint's fault: no back-off, no further attempts.
            connection.counters.counters.rejectedConnections += 1
            client.resetAndClose()
            return
          }
          connection.route.balancer.dialFailed(endpoint: endpoint)
          dial(connection, attempt: attempt + 1)
        }
      }
  }

  private func glue(_ connection: ProxiedConnection, backend: Channel) {
    let client = connection.client
    guard client.isActive else {
      backend.close(promise: nil)
      return
    }
    let counters = connection.counters
    let tracked = connection.tracked
    let (clientSide, backendSide) = GlueHandler.matchedPair(
      firstTally: { bytes in
        counters.counters.bytesFromClients += bytes
        tracked.sawTraffic = true
      },
      secondTally: { bytes in
        counters.counters.bytesToClients += bytes
        tracked.sawTraffic = true
      })
    do {
      try client.pipeline.syncOperations.addHandler(clientSide)
      try backend.pipeline.syncOperations.addHandler(backendSide)
    } catch {
      client.close(promise: nil)
      backend.close(promise: nil)
      return
    }
    if settings.tcpIdleTimeout != nil { tracked.watchIdleness(now: .now()) }
    for channel in [client, backend] {
      // On the channel's own loop: set directly, without a future per option.
      if let options = channel.syncOptions {
        try? options.setOption(.autoRead, value: true)
      } else {
        channel.setOption(.autoRead, value: true).whenComplete { _ in }
      }
    }
  }
}

/// What the dial attempts of one accepted connection share.
private struct ProxiedConnection {
  let client: Channel
  let tracked: TrackedConnection
  let route: ListenerRoute
  let counters: ServicePortCounterShard
  let loop: ProxyLoop
  let plan: [(ProxyEndpoint, SocketAddress)]
}

/// Starts the setup once the accepted channel is registered and active.
final class ConnectionStartHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = ByteBuffer
  private let setup: TCPConnectionSetup

  init(setup: TCPConnectionSetup) { self.setup = setup }

  func channelActive(context: ChannelHandlerContext) {
    context.fireChannelActive()
    setup.start(client: context.channel)
    context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
  }
}

// What happens to an accepted TCP connection: admit it under the connection limit, dial the
// balancer's endpoints in turn with the per-attempt timeouts, then glue client and endpoint.
import NIOCore
import NIOPosix

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

/// Sets up one accepted client connection (all on the client channel's event loop).
struct TCPConnectionSetup {
  let listener: ServiceListener
  let settings: ProxySettings
  let wide: ProxyWideCounters

  /// The child-channel initializer body: the client is not read from until its endpoint answers.
  func start(client: Channel) {
    let route = listener.route
    guard wide.admitConnection(limit: settings.maxConnections) else {
      route.counters.update { $0.rejectedConnections += 1 }
      settings.events?(.connectionLimitReached(listener.address, limit: settings.maxConnections))
      client.resetAndClose()
      return
    }
    listener.track(client)
    route.counters.update {
      $0.totalConnections += 1
      $0.activeConnections += 1
    }
    client.closeFuture.whenComplete { [wide] _ in
      wide.releaseConnection()
      route.counters.update { $0.activeConnections -= 1 }
    }
    let plan = route.balancer.dialPlan(client: client.remoteAddress)
    guard !plan.isEmpty else {
      route.counters.update { $0.rejectedConnections += 1 }
      client.resetAndClose()
      return
    }
    dial(client: client, route: route, plan: plan, attempt: 0)
  }

  private func dial(client: Channel, route: ListenerRoute, plan: [(ProxyEndpoint, SocketAddress)], attempt: Int) {
    guard client.isActive else { return }
    guard attempt < plan.count, attempt < settings.connectTimeouts.count else {
      route.counters.update { $0.rejectedConnections += 1 }
      settings.events?(.allEndpointsFailed(listener.address, tried: plan.prefix(attempt).map(\.0)))
      client.resetAndClose()
      return
    }
    let (endpoint, address) = plan[attempt]
    ClientBootstrap(group: client.eventLoop)
      .connectTimeout(settings.connectTimeouts[attempt])
      .channelOption(.autoRead, value: false)
      .channelOption(.allowRemoteHalfClosure, value: true)
      .connect(to: address)
      .assumeIsolated()
      .whenComplete { result in
        switch result {
        case .success(let backend):
          route.balancer.dialSucceeded(client: client.remoteAddress, endpoint: endpoint)
          glue(client: client, backend: backend, route: route)
        case .failure(let error):
          route.counters.update { $0.dialFailures += 1 }
          if let code = (error as? IOError)?.errnoCode, code == EMFILE || code == ENFILE {
            // Out of file descriptors here, not the endpoint's fault: no back-off, no further attempts.
            route.counters.update { $0.rejectedConnections += 1 }
            client.resetAndClose()
            return
          }
          route.balancer.dialFailed(endpoint: endpoint)
          dial(client: client, route: route, plan: plan, attempt: attempt + 1)
        }
      }
  }

  private func glue(client: Channel, backend: Channel, route: ListenerRoute) {
    guard client.isActive else {
      backend.close(promise: nil)
      return
    }
    let counters = route.counters
    let (clientSide, backendSide) = GlueHandler.matchedPair(
      firstTally: { counters.addBytesFromClients($0) }, secondTally: { counters.addBytesToClients($0) })
    do {
      let clientPipeline = client.pipeline.syncOperations
      if let idle = settings.tcpIdleTimeout {
        try clientPipeline.addHandler(IdleStateHandler(allTimeout: idle))
        try clientPipeline.addHandler(IdleCloseHandler())
      }
      try clientPipeline.addHandler(clientSide)
      try backend.pipeline.syncOperations.addHandler(backendSide)
    } catch {
      client.close(promise: nil)
      backend.close(promise: nil)
      return
    }
    client.setOption(.autoRead, value: true).whenComplete { _ in }
    backend.setOption(.autoRead, value: true).whenComplete { _ in }
  }
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

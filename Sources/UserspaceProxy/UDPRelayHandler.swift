// The UDP side of a listener: each client address gets a flow (a datagram channel connected to the
// endpoint chosen for it); datagrams go out on the flow, replies come back from the listen socket.
import NIOCore
import NIOPosix

/// One client's flow: queued datagrams until its channel is connected, then the channel.
final class UDPFlow {
  var channel: Channel?
  var queued: [ByteBuffer] = []
  var closed = false
}

/// Handler of a listener's datagram channel; its flow table lives on that channel's event loop.
final class UDPRelayHandler: ChannelInboundHandler {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>
  typealias OutboundOut = AddressedEnvelope<ByteBuffer>

  /// Datagrams kept per flow while its channel connects; more are dropped.
  static let queueLimit = 64

  private let listener: ServiceListener
  private let settings: ProxySettings
  private var flows: UDPFlowTable<SocketAddress, UDPFlow>
  private var sweep: RepeatedTask?

  init(listener: ServiceListener, settings: ProxySettings) {
    self.listener = listener
    self.settings = settings
    self.flows = UDPFlowTable(timeout: settings.udpTimeout)
  }

  func channelActive(context: ChannelHandlerContext) {
    let period = TimeAmount.nanoseconds(max(settings.udpTimeout.nanoseconds / 2, 5_000_000))
    let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
    sweep = context.eventLoop.scheduleRepeatedTask(initialDelay: period, delay: period) { _ in
      loopBound.value.expireFlows()
    }
    context.fireChannelActive()
  }

  func channelInactive(context: ChannelHandlerContext) {
    sweep?.cancel()
    for flow in flows.removeAll() { close(flow) }
    context.fireChannelInactive()
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let envelope = unwrapInboundIn(data)
    let client = envelope.remoteAddress
    let route = listener.route
    let loop = listener.loops.loop(for: context.eventLoop)
    let counters = route.counters.shard(loop)
    counters.counters.bytesFromClients += envelope.data.readableBytes
    if let flow = flows.use(client, now: .now()) {
      send(envelope.data, on: flow)
      return
    }
    guard let (endpoint, address) = route.balancer.dialPlan(client: client).first else {
      counters.counters.rejectedConnections += 1
      return
    }
    let flow = UDPFlow()
    flow.queued.append(envelope.data)
    flows.insert(flow, for: client, now: .now())
    counters.counters.totalConnections += 1
    counters.counters.activeConnections += 1
    let listenChannel = context.channel
    let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
    DatagramBootstrap(group: context.eventLoop)
      .channelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          try channel.pipeline.syncOperations.addHandler(
            UDPFlowReplyHandler(client: client, listenChannel: listenChannel, counters: counters) {
              loopBound.value.flows.touch(client, now: .now())
            })
        }
      }
      .connect(to: address)
      .assumeIsolated()
      .whenComplete { result in
        let relay = loopBound.value
        switch result {
        case .success(let channel):
          route.balancer.dialSucceeded(client: client, endpoint: endpoint)
          channel.closeFuture.assumeIsolated().whenComplete { _ in counters.counters.activeConnections -= 1 }
          if flow.closed {
            channel.close(promise: nil)
            return
          }
          relay.listener.track(channel, on: loop)
          flow.channel = channel
          channel.closeFuture.assumeIsolated().whenComplete { _ in
            if relay.flows.current(client) === flow { relay.flows.remove(client) }
            flow.closed = true
          }
          for datagram in flow.queued { channel.write(datagram, promise: nil) }
          flow.queued = []
          channel.flush()
        case .failure:
          route.balancer.dialFailed(endpoint: endpoint)
          counters.counters.dialFailures += 1
          counters.counters.activeConnections -= 1
          if relay.flows.current(client) === flow { relay.flows.remove(client) }
        }
      }
  }

  private func send(_ datagram: ByteBuffer, on flow: UDPFlow) {
    if let channel = flow.channel {
      channel.writeAndFlush(datagram, promise: nil)
    } else if flow.queued.count < Self.queueLimit {
      flow.queued.append(datagram)
    }
  }

  private func expireFlows() {
    for flow in flows.expire(now: .now()) { close(flow) }
  }

  private func close(_ flow: UDPFlow) {
    flow.closed = true
    flow.channel?.close(promise: nil)
  }
}

/// On a flow's connected datagram channel: relays each reply to the client from the listen socket.
final class UDPFlowReplyHandler: ChannelInboundHandler {
  typealias InboundIn = AddressedEnvelope<ByteBuffer>

  private let client: SocketAddress
  private let listenChannel: Channel
  private let counters: ServicePortCounterShard
  private let touched: () -> Void

  init(client: SocketAddress, listenChannel: Channel, counters: ServicePortCounterShard, touched: @escaping () -> Void) {
    self.client = client
    self.listenChannel = listenChannel
    self.counters = counters
    self.touched = touched
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    let reply = unwrapInboundIn(data).data
    counters.counters.bytesToClients += reply.readableBytes
    touched()
    listenChannel.writeAndFlush(AddressedEnvelope(remoteAddress: client, data: reply), promise: nil)
  }

  func errorCaught(context: ChannelHandlerContext, error: Error) {
    // ECONNREFUSED from ICMP port unreachable: the flow is dead; the next datagram makes a new one.
    context.close(promise: nil)
  }
}

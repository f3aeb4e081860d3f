// What a TCP listener's relay asks the proxy per accepted connection (admit it under the limit,
// its dial plan from the balancer) and per connection (dial outcomes, bytes, close) to count.
import NetAddress
import TCPRelay

/// The relay delegate of one TCP ServiceListener. Called on relay loop threads.
final class TCPRelayRoute: RelayListenerDelegate {
  private let listener: ServiceListener
  private let settings: ProxySettings
  private let wide: ProxyWideCounters
  /// Counter shards of relay loop N are at `shardOffset + N`.
  private let shardOffset: Int

  init(listener: ServiceListener, settings: ProxySettings, wide: ProxyWideCounters, shardOffset: Int) {
    self.listener = listener
    self.settings = settings
    self.wide = wide
    self.shardOffset = shardOffset
  }

  func accepted(client: IPAddress?, loop: Int) -> RelayConnection? {
    let route = listener.route
    let counters = route.counters.shard(index: shardOffset + loop)
    guard wide.admitConnection() else {
      counters.counters.rejectedConnections += 1
      settings.events?(.connectionLimitReached(listener.address, limit: settings.maxConnections))
      return nil
    }
    counters.counters.totalConnections += 1
    let plan = route.balancer.relayPlan(client: client)
    guard !plan.isEmpty else {
      counters.counters.rejectedConnections += 1
      wide.releaseConnection()
      return nil
    }
    counters.counters.activeConnections += 1
    return ProxiedTCPConnection(
      client: client, plan: plan, balancer: route.balancer, counters: counters, route: self)
  }

  func acceptFailed(_ error: RelayError) {
    wide.countAcceptError()
    settings.events?(.acceptFailed(listener.address, error: "\(error)"))
  }

  fileprivate func closed() { wide.releaseConnection() }

  fileprivate func allFailed(tried: [ProxyEndpoint]) {
    settings.events?(.allEndpointsFailed(listener.address, tried: tried))
  }
}

/// One accepted TCP connection: its dial plan, and where its outcomes are counted.
private final class ProxiedTCPConnection: RelayConnection {
  /// The endpoints to dial, in order (ProxyEndpoint is the relay's address type).
  let targets: [ProxyEndpoint]
  private let client: IPAddress?
  private let balancer: EndpointBalancer
  private let counters: ServicePortCounterShard
  private let route: TCPRelayRoute

  init(
    client: IPAddress?, plan: [ProxyEndpoint], balancer: EndpointBalancer,
    counters: ServicePortCounterShard, route: TCPRelayRoute
  ) {
    self.client = client
    self.targets = plan
    self.balancer = balancer
    self.counters = counters
    self.route = route
  }

  func dialSucceeded(attempt: Int) {
    balancer.dialSucceeded(clientIP: client, endpoint: targets[attempt])
  }

  func dialFailed(attempt: Int, outOfFiles: Bool) {
    counters.counters.dialFailures += 1
    // Out of file descriptors here is not the endpoint's fault: no back-off for it.
    if !outOfFiles { balancer.dialFailed(endpoint: targets[attempt]) }
  }

  func allEndpointsFailed(attempts: Int) {
    counters.counters.rejectedConnections += 1
    route.allFailed(tried: Array(targets.prefix(attempts)))
  }

  func relayedFromClient(_ bytes: Int) { counters.counters.bytesFromClients += bytes }

  func relayedToClient(_ bytes: Int) { counters.counters.bytesToClients += bytes }

  func closed() {
    counters.counters.activeConnections -= 1
    route.closed()
  }
}

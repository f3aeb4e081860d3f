// One scope of one service port as the event loops see it: the balancing state machine behind a
// lock, with the endpoints' socket addresses resolved once per update instead of per connection.
import NIOConcurrencyHelpers
import NIOCore
import NetAddress

/// Thread-safe wrapper of EndpointBalancerStateMachine for the listeners of one scope.
final class EndpointBalancer: Sendable {
  private struct State {
    var machine: EndpointBalancerStateMachine
    var addresses: [ProxyEndpoint: SocketAddress]
  }
  private let state: NIOLockedValueBox<State>

  init(choice: EndpointChoice, affinityTimeout: TimeAmount?, settings: ProxySettings) {
    let machine = EndpointBalancerStateMachine(
      endpoints: choice.endpoints, affinityTimeout: affinityTimeout,
      backoff: EndpointBackoff(initial: settings.endpointBackoff, maximum: settings.endpointBackoffMax),
      maxAttempts: max(1, settings.connectTimeouts.count))
    state = NIOLockedValueBox(
      State(machine: machine, addresses: Self.resolve(choice.endpoints)))
  }

  /// New endpoints for new connections; connections already made keep theirs.
  func update(choice: EndpointChoice, affinityTimeout: TimeAmount?) {
    let addresses = Self.resolve(choice.endpoints)
    state.withLockedValue {
      $0.machine.update(endpoints: choice.endpoints, affinityTimeout: affinityTimeout, now: .now())
      $0.addresses = addresses
    }
  }

  /// The endpoints to try, in order, for a new connection from `client`.
  func dialPlan(client: SocketAddress?) -> [(ProxyEndpoint, SocketAddress)] {
    state.withLockedValue { state in
      let clientIP = state.machine.affinity == nil ? nil : client.flatMap(Self.ipAddress)
      let plan = state.machine.dialPlan(client: clientIP ?? .v4(IPv4Address(0)), now: .now())
      return plan.compactMap { endpoint in state.addresses[endpoint].map { (endpoint, $0) } }
    }
  }

  /// The endpoints to try, in order, for a new TCP connection from `client` (what the relay dials).
  func relayPlan(client: IPAddress?) -> [ProxyEndpoint] {
    state.withLockedValue { state in
      let clientIP = state.machine.affinity == nil ? nil : client?.unmapped
      return state.machine.dialPlan(client: clientIP ?? .v4(IPv4Address(0)), now: .now())
    }
  }

  func dialSucceeded(client: SocketAddress?, endpoint: ProxyEndpoint) {
    dialSucceeded(clientIP: client.flatMap(Self.ipAddress), endpoint: endpoint)
  }

  func dialSucceeded(clientIP: IPAddress?, endpoint: ProxyEndpoint) {
    state.withLockedValue { state in
      guard state.machine.affinity != nil, let ip = clientIP?.unmapped else {
        state.machine.dialSucceeded(client: .v4(IPv4Address(0)), endpoint: endpoint, now: .now())
        return
      }
      state.machine.dialSucceeded(client: ip, endpoint: endpoint, now: .now())
    }
  }

  func dialFailed(endpoint: ProxyEndpoint) {
    state.withLockedValue { $0.machine.dialFailed(endpoint: endpoint, now: .now()) }
  }

  private static func resolve(_ endpoints: [ProxyEndpoint]) -> [ProxyEndpoint: SocketAddress] {
    var addresses: [ProxyEndpoint: SocketAddress] = [:]
    for endpoint in endpoints {
      addresses[endpoint] = try? SocketAddress(ipAddress: endpoint.address.description, port: Int(endpoint.port))
    }
    return addresses
  }

  static func ipAddress(_ address: SocketAddress) -> IPAddress? {
    address.ipAddress.flatMap { IPAddress($0) }?.unmapped
  }
}

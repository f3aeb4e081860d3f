// How one scope of a service port chooses endpoints for a new connection: the client's affinity
// endpoint first, then round robin, skipping endpoints in dial back-off; pure state, time passed in.
import NIOCore
import NetAddress

/// Round robin with ClientIP affinity and dial back-off over one EndpointChoice.
public struct EndpointBalancerStateMachine: Sendable {
  public private(set) var endpoints: [ProxyEndpoint]
  private var next = 0
  public private(set) var affinity: ClientAffinityTable?
  public private(set) var backoff: EndpointBackoff
  /// At most this many endpoints are tried per connection (the number of dial timeouts).
  public var maxAttempts: Int

  public init(endpoints: [ProxyEndpoint], affinityTimeout: TimeAmount?, backoff: EndpointBackoff, maxAttempts: Int) {
    self.endpoints = endpoints
    self.affinity = affinityTimeout.map { ClientAffinityTable(timeout: $0) }
    self.backoff = backoff
    self.maxAttempts = maxAttempts
  }

  /// New endpoints (or affinity setting) for new connections. Round robin continues where it was;
  /// affinity bindings and back-off entries of removed endpoints are dropped.
  public mutating func update(endpoints: [ProxyEndpoint], affinityTimeout: TimeAmount?, now: NIODeadline) {
    let kept = Set(endpoints)
    self.endpoints = endpoints
    if endpoints.isEmpty { next = 0 } else { next %= endpoints.count }
    if let affinityTimeout {
      var table = affinity ?? ClientAffinityTable(timeout: affinityTimeout)
      table.timeout = affinityTimeout
      table.prune(now: now, keeping: kept)
      affinity = table
    } else {
      affinity = nil
    }
    backoff.retain(only: kept)
  }

  /// The endpoints to dial for a new connection from `client`, in order: the affinity endpoint,
  /// then round robin from the cursor (advanced by one per call) over endpoints not in back-off;
  /// endpoints in back-off come last, so that they are still tried when nothing else is left.
  /// At most `maxAttempts`; empty when the service port has no endpoints.
  public mutating func dialPlan(client: IPAddress, now: NIODeadline) -> [ProxyEndpoint] {
    guard !endpoints.isEmpty else { return [] }
    var plan: [ProxyEndpoint] = []
    var deferred: [ProxyEndpoint] = []
    if let bound = affinity?.endpoint(for: client, now: now), endpoints.contains(bound),
      !backoff.isBackingOff(bound, now: now)
    {
      plan.append(bound)
    }
    let start = next
    var advanced = false
    for offset in 0..<endpoints.count {
      let index = (start + offset) % endpoints.count
      let endpoint = endpoints[index]
      if plan.first == endpoint { continue }
      if backoff.isBackingOff(endpoint, now: now) {
        deferred.append(endpoint)
        continue
      }
      if !advanced && plan.isEmpty {
        next = (index + 1) % endpoints.count
        advanced = true
      }
      plan.append(endpoint)
    }
    if !advanced && plan.isEmpty { next = (start + 1) % endpoints.count }
    return Array((plan + deferred).prefix(maxAttempts))
  }

  /// A connection from `client` to `endpoint` was established: end its back-off and (with
  /// affinity) bind the client to it.
  public mutating func dialSucceeded(client: IPAddress, endpoint: ProxyEndpoint, now: NIODeadline) {
    backoff.recordSuccess(endpoint)
    affinity?.record(client: client, endpoint: endpoint, now: now)
  }

  /// A dial to `endpoint` failed: skip it for a back-off period.
  public mutating func dialFailed(endpoint: ProxyEndpoint, now: NIODeadline) {
    backoff.recordFailure(endpoint, now: now)
  }
}

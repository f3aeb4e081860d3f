// sessionAffinity ClientIP: which endpoint each client IP was last sent to, forgotten once the
// affinity timeout has passed since the client's last connection (as kube-proxy's affinity sets).
import NIOCore
import NetAddress

/// Client IP → endpoint, with expiry measured from the last use (pure state; time is passed in).
public struct ClientAffinityTable: Sendable, Hashable {
  public struct Entry: Sendable, Hashable {
    public var endpoint: ProxyEndpoint
    public var lastUsed: NIODeadline
  }

  public var timeout: TimeAmount
  public private(set) var entries: [IPAddress: Entry] = [:]

  public init(timeout: TimeAmount) { self.timeout = timeout }

  /// The endpoint `client` is bound to at `now`, if the binding has not expired.
  public func endpoint(for client: IPAddress, now: NIODeadline) -> ProxyEndpoint? {
    guard let entry = entries[client], now - entry.lastUsed < timeout else { return nil }
    return entry.endpoint
  }

  /// Binds `client` to `endpoint` (or refreshes the binding) at `now`.
  public mutating func record(client: IPAddress, endpoint: ProxyEndpoint, now: NIODeadline) {
    entries[client] = Entry(endpoint: endpoint, lastUsed: now)
  }

  /// Drops bindings that expired by `now` or whose endpoint is not in `endpoints`.
  public mutating func prune(now: NIODeadline, keeping endpoints: Set<ProxyEndpoint>) {
    entries = entries.filter { now - $0.value.lastUsed < timeout && endpoints.contains($0.value.endpoint) }
  }
}

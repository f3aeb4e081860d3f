// The UDP flows of one listener: client address → the flow to its chosen endpoint, each expiring
// `timeout` after its last packet in either direction (kube-proxy's --udp-timeout); pure state.
import NIOCore

/// Flows keyed by client address with idle expiry (time is passed in).
public struct UDPFlowTable<Client: Hashable, Flow> {
  public struct Entry {
    public var flow: Flow
    public var lastUsed: NIODeadline
  }

  public var timeout: TimeAmount
  public private(set) var entries: [Client: Entry] = [:]

  public init(timeout: TimeAmount) { self.timeout = timeout }

  public var count: Int { entries.count }

  /// The live flow of `client` at `now`, marking it used; nil when there is none or it expired.
  public mutating func use(_ client: Client, now: NIODeadline) -> Flow? {
    guard var entry = entries[client], now - entry.lastUsed < timeout else { return nil }
    entry.lastUsed = now
    entries[client] = entry
    return entry.flow
  }

  /// Adds (or replaces) the flow of `client`, used at `now`; returns the flow it replaced.
  @discardableResult
  public mutating func insert(_ flow: Flow, for client: Client, now: NIODeadline) -> Flow? {
    let old = entries[client]?.flow
    entries[client] = Entry(flow: flow, lastUsed: now)
    return old
  }

  /// The flow of `client`, expired or not, without marking it used.
  public func current(_ client: Client) -> Flow? { entries[client]?.flow }

  /// A reply for `client` passed at `now`: the flow stays alive.
  public mutating func touch(_ client: Client, now: NIODeadline) {
    entries[client]?.lastUsed = now
  }

  /// Removes and returns the flow of `client`.
  @discardableResult
  public mutating func remove(_ client: Client) -> Flow? {
    entries.removeValue(forKey: client)?.flow
  }

  /// Removes and returns every flow idle for `timeout` or longer at `now`.
  public mutating func expire(now: NIODeadline) -> [Flow] {
    var expired: [Flow] = []
    for (client, entry) in entries where now - entry.lastUsed >= timeout {
      expired.append(entry.flow)
      entries[client] = nil
    }
    return expired
  }

  /// Removes and returns every flow.
  public mutating func removeAll() -> [Flow] {
    defer { entries = [:] }
    return entries.values.map(\.flow)
  }
}

extension UDPFlowTable: Sendable where Client: Sendable, Flow: Sendable {}
extension UDPFlowTable.Entry: Sendable where Flow: Sendable {}

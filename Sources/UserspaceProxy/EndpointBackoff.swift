// Which endpoints failed a dial recently and must be skipped for a while: the back-off starts at
// `initial` after a failure, doubles with each further failure up to `maximum`, and ends on success.
import NIOCore

/// Per-endpoint dial back-off (pure state; time is passed in).
public struct EndpointBackoff: Sendable, Hashable {
  public struct Entry: Sendable, Hashable {
    /// Consecutive failures.
    public var failures: Int
    /// The endpoint is skipped until then.
    public var until: NIODeadline
  }

  public var initial: TimeAmount
  public var maximum: TimeAmount
  public private(set) var entries: [ProxyEndpoint: Entry] = [:]

  public init(initial: TimeAmount, maximum: TimeAmount) {
    self.initial = initial
    self.maximum = maximum
  }

  /// True while `endpoint` is in back-off at `now`.
  public func isBackingOff(_ endpoint: ProxyEndpoint, now: NIODeadline) -> Bool {
    guard let entry = entries[endpoint] else { return false }
    return now < entry.until
  }

  /// A dial to `endpoint` failed at `now`: skip it for `initial`, doubled per consecutive failure.
  public mutating func recordFailure(_ endpoint: ProxyEndpoint, now: NIODeadline) {
    let failures = (entries[endpoint]?.failures ?? 0) + 1
    var delay = initial.nanoseconds
    for _ in 1..<min(failures, 32) where delay < maximum.nanoseconds { delay *= 2 }
    delay = min(delay, maximum.nanoseconds)
    entries[endpoint] = Entry(failures: failures, until: now + .nanoseconds(delay))
  }

  /// A dial to `endpoint` succeeded: it is healthy again.
  public mutating func recordSuccess(_ endpoint: ProxyEndpoint) {
    entries[endpoint] = nil
  }

  /// Forgets endpoints that are no longer in the service port.
  public mutating func retain(only endpoints: Set<ProxyEndpoint>) {
    entries = entries.filter { endpoints.contains($0.key) }
  }
}

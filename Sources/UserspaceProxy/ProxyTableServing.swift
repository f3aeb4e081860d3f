// The seam between the userspace mode (which builds a ProxyTable on every sync) and the socket
// runtime (which opens, closes and rebalances listeners): what one apply did, and the counters.
import ServiceProxy

/// What one `apply` changed and what it could not do.
public struct ProxyApplyReport: Sendable, Hashable {
  /// Listeners opened by this apply.
  public var opened: [ListenAddress]
  /// Listeners closed by this apply (their connections drain for the grace period).
  public var closed: [ListenAddress]
  /// Listeners that could not be opened, with the reason (`bind: Address already in use`).
  /// The runtime retries them on the next apply.
  public var failed: [ListenAddress: String]

  public init(opened: [ListenAddress] = [], closed: [ListenAddress] = [], failed: [ListenAddress: String] = [:]) {
    self.opened = opened
    self.closed = closed
    self.failed = failed
  }
}

/// Counters of one service port since the proxy started (monotonic except `activeConnections`).
public struct ServicePortCounters: Sendable, Hashable {
  public var activeConnections = 0
  /// TCP connections accepted, UDP flows created.
  public var totalConnections = 0
  /// Connection attempts to an endpoint that failed (refused, timed out, unreachable).
  public var dialFailures = 0
  /// Client connections reset or flows dropped: no endpoint, every endpoint failed, or the
  /// connection limit was reached.
  public var rejectedConnections = 0
  public var bytesFromClients = 0
  public var bytesToClients = 0

  public init() {}
}

/// A snapshot of the proxy's counters.
public struct ProxyStatistics: Sendable, Hashable {
  public var servicePorts: [ServicePortName: ServicePortCounters]
  /// Times `--max-connections` refused a connection.
  public var connectionLimitHits: Int
  /// accept(2) failures survived (EMFILE, ENFILE, ENOBUFS …).
  public var acceptErrors: Int

  public init(servicePorts: [ServicePortName: ServicePortCounters] = [:], connectionLimitHits: Int = 0, acceptErrors: Int = 0) {
    self.servicePorts = servicePorts
    self.connectionLimitHits = connectionLimitHits
    self.acceptErrors = acceptErrors
  }
}

/// Something that serves a ProxyTable: the SwiftNIO runtime, or a recording fake in tests.
public protocol ProxyTableServing: AnyObject, Sendable {
  /// Makes the listeners and balancing match `table`: new listeners open, removed ones stop
  /// accepting and drain, endpoint changes apply to new connections only.
  func apply(_ table: ProxyTable) async -> ProxyApplyReport
  /// The counters now.
  func statistics() async -> ProxyStatistics
  /// Closes every listener and connection.
  func shutdown() async
}

// What the userspace proxy serves, as plain values: per service port, the sockets to listen on and
// the endpoints each listener balances over. ListenerPlan builds it from the reconciler's state;
// ProxyServer makes the sockets match it.
import KubeAPI
import NetAddress
import ServiceProxy

/// Which endpoints a listener uses: kube-proxy's split between traffic from inside the cluster
/// (ClusterIP; `internalTrafficPolicy`) and from outside (NodePort, externalIPs, LoadBalancer
/// IPs; `externalTrafficPolicy`).
public enum ListenerScope: String, Sendable, Hashable, Comparable {
  case `internal`
  case external

  public static func < (a: ListenerScope, b: ListenerScope) -> Bool { a.rawValue < b.rawValue }
}

/// One socket the proxy listens on.
public struct ListenAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var ip: IPAddress
  public var port: Int
  /// TCP or UDP (SCTP service ports are not proxied in userspace).
  public var transport: L4Protocol

  public init(ip: IPAddress, port: Int, transport: L4Protocol) {
    self.ip = ip
    self.port = port
    self.transport = transport
  }

  /// `10.0.0.1:80/TCP`, `[fd00::1]:80/UDP`.
  public var description: String { "\(ip.family == .v6 ? "[\(ip)]" : "\(ip)"):\(port)/\(transport.rawValue)" }

  public static func < (a: ListenAddress, b: ListenAddress) -> Bool {
    (a.transport, a.ip, a.port) < (b.transport, b.ip, b.port)
  }
}

/// One endpoint a connection can be sent to (also what the TCP relay dials).
public typealias ProxyEndpoint = IPEndpoint

/// The endpoints one scope of a service port balances over, chosen as the nftables path chooses
/// them (EndpointCategories): ready endpoints, else serving-terminating ones; empty means
/// connections are refused (TCP reset, UDP dropped) as the nftables path REJECTs.
public struct EndpointChoice: Sendable, Hashable {
  /// In a stable order (sorted); round robin walks it.
  public var endpoints: [ProxyEndpoint]

  public init(endpoints: [ProxyEndpoint]) { self.endpoints = endpoints }
}

/// Everything the proxy serves for one service port.
public struct ProxiedServicePort: Sendable, Hashable {
  public var name: ServicePortName
  /// The sockets of this service port and the scope each one uses.
  public var listeners: [ListenAddress: ListenerScope]
  /// Endpoints for `.internal` listeners.
  public var internalEndpoints: EndpointChoice
  /// Endpoints for `.external` listeners (differs when externalTrafficPolicy is Local).
  public var externalEndpoints: EndpointChoice
  /// `sessionAffinity: ClientIP` with its timeout in seconds; nil without affinity.
  public var affinityTimeoutSeconds: Int?

  public init(
    name: ServicePortName, listeners: [ListenAddress: ListenerScope], internalEndpoints: EndpointChoice,
    externalEndpoints: EndpointChoice, affinityTimeoutSeconds: Int?
  ) {
    self.name = name
    self.listeners = listeners
    self.internalEndpoints = internalEndpoints
    self.externalEndpoints = externalEndpoints
    self.affinityTimeoutSeconds = affinityTimeoutSeconds
  }

  public func endpoints(for scope: ListenerScope) -> EndpointChoice {
    scope == .internal ? internalEndpoints : externalEndpoints
  }
}

/// The whole userspace dataplane: every proxied service port. A listen address belongs to at
/// most one service port (ListenerPlan settles conflicts and reports them).
public struct ProxyTable: Sendable, Hashable {
  public var ports: [ServicePortName: ProxiedServicePort]

  public init(ports: [ServicePortName: ProxiedServicePort] = [:]) { self.ports = ports }
}

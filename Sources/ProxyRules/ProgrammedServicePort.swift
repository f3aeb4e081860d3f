// What `kproxy status` reports per service port: its destinations as programmed, where a new
// connection from outside the node goes for each, its counter and its learned affinity.
import NFTables
import NetAddress

/// A destination of a service port: an address (ClusterIP, externalIP, LoadBalancer IP) or
/// a NodePort (every NodePort address of the node).
public enum ProgrammedDestination: Sendable, Hashable, Comparable, CustomStringConvertible {
  case address(IPAddress, IPProto, UInt16)
  case nodePort(IPProto, UInt16)

  public var description: String {
    switch self {
    case .address(let ip, let proto, let port):
      ip.family == .v6 ? "[\(ip)]:\(port)/\(proto.name)" : "\(ip):\(port)/\(proto.name)"
    case .nodePort(let proto, let port): "nodePort \(port)/\(proto.name)"
    }
  }

  public static func < (a: Self, b: Self) -> Bool { a.sortKey < b.sortKey }

  private var sortKey: (Int, String) {
    switch self {
    case .address: (0, description)
    case .nodePort(_, let port): (1, String(Int(port) + 100_000))
    }
  }
}

/// An endpoint address and port.
public typealias ProgrammedEndpoint = IPEndpoint

/// Where a new connection to a destination goes.
public enum ProgrammedTarget: Sendable, Hashable {
  /// DNAT to one of these endpoints, chosen uniformly (or by learned affinity); `localOnly`
  /// when the Local external traffic policy keeps outside traffic on this node's endpoints
  /// (an internal Local policy shows as this node's endpoints alone).
  case endpoints([ProgrammedEndpoint], localOnly: Bool)
  /// No endpoint at all: REJECT (ICMP unreachable / TCP reset).
  case reject
  /// Endpoints exist, but none this traffic may use (Local policy, none on this node): DROP.
  case drop
}

/// One destination with its target.
public struct ProgrammedRoute: Sendable, Hashable {
  public var destination: ProgrammedDestination
  public var target: ProgrammedTarget
  public init(destination: ProgrammedDestination, target: ProgrammedTarget) {
    self.destination = destination
    self.target = target
  }
}

/// A service port as found in one of kproxy's tables.
public struct ProgrammedServicePort: Sendable, Hashable {
  /// `namespace/name:port` (or `namespace/name` for an unnamed port), as the ruleset's
  /// comments give it (`Names.comment`: shortened with a hash beyond 128 bytes).
  public var name: String
  public var family: TableFamily
  public var routes: [ProgrammedRoute]
  /// The service port's counter (with its values when read back from a kernel); nil without
  /// `--counters`.
  public var counter: CounterObject?
  /// Per endpoint of a ClientIP-affinity port, its affinity set (whose elements are the
  /// clients the kernel remembers for it).
  public var affinitySets: [ProgrammedEndpoint: String]
  /// Per endpoint, the clients currently remembered (filled from the kernel's dynamic sets).
  public var learnedClients: [ProgrammedEndpoint: Int]

  public init(
    name: String, family: TableFamily, routes: [ProgrammedRoute] = [], counter: CounterObject? = nil,
    affinitySets: [ProgrammedEndpoint: String] = [:], learnedClients: [ProgrammedEndpoint: Int] = [:]
  ) {
    self.name = name
    self.family = family
    self.routes = routes
    self.counter = counter
    self.affinitySets = affinitySets
    self.learnedClients = learnedClients
  }
}

// What `kproxy trace` evaluates: the first packet of a new connection (addresses, ports,
// protocol, where it enters the node) and what the evaluator must know about the node.
import NFTables
import NetAddress

/// Where the first packet of the connection meets netfilter.
public enum TracePath: String, Sendable, Hashable, CaseIterable {
  /// It arrives on an interface (from a pod or from outside the node): prerouting, then input
  /// or forward depending on where its (possibly rewritten) destination routes, then postrouting.
  case prerouting
  /// A process on the node sends it: output, then postrouting.
  case output

  /// The hooks the packet passes, in order; `local` says whether the destination (after DNAT)
  /// is an address of the node.
  func hooks(local: Bool) -> [Hook] {
    switch self {
    case .prerouting: [.prerouting, local ? .input : .forward, .postrouting]
    case .output: [.output, .postrouting]
    }
  }
}

/// The first packet of a new connection.
public struct TraceFlow: Sendable, Hashable {
  public var source: IPAddress
  public var sourcePort: UInt16
  public var destination: IPAddress
  public var destinationPort: UInt16
  public var proto: IPProto
  public var path: TracePath
  /// The packet mark when it reaches the first hook (0 unless something else marked it).
  public var mark: UInt32

  public init(
    source: IPAddress, sourcePort: UInt16 = 40000, destination: IPAddress, destinationPort: UInt16, proto: IPProto,
    path: TracePath, mark: UInt32 = 0
  ) {
    self.source = source
    self.sourcePort = sourcePort
    self.destination = destination
    self.destinationPort = destinationPort
    self.proto = proto
    self.path = path
    self.mark = mark
  }

  /// The table family whose rules see this packet (`inet` tables see both).
  var family: TableFamily { source.family == .v4 ? .ip : .ip6 }
}

/// What the evaluator knows about the node: its own addresses (`fib daddr type local`, and
/// whether a destination is delivered locally or forwarded). Loopback addresses are always local.
public struct TraceNode: Sendable, Hashable {
  public var localAddresses: Set<IPAddress>

  public init(localAddresses: some Sequence<IPAddress>) {
    self.localAddresses = Set(localAddresses)
  }

  public func isLocal(_ address: IPAddress) -> Bool {
    address.isLoopback || localAddresses.contains(address)
  }
}

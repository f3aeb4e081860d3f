// Per-family facts the compiler uses everywhere: the IP version keyword, the node's
// NodePort addresses, cluster and service CIDRs, and the masquerade match for pod traffic.
import NFTables
import NetAddress
import ServiceProxy

/// What the compiler knows about one address family of the node.
struct FamilyContext {
  let family: IPFamily
  let version: IPVersion
  let tableFamily: TableFamily
  let clusterCIDRs: [IPPrefix]
  let serviceCIDRs: [IPPrefix]
  /// nil: every local address accepts NodePorts (`fib daddr type local`).
  let nodePortIPs: [IPAddress]?
  let masqueradeAll: Bool
  /// Named counters per service port (`NodeConfig.counters`).
  let counters: Bool
  /// All known node IPs of this family.
  let nodeIPs: [IPAddress]

  init(_ family: IPFamily, node: NodeConfig) {
    self.family = family
    version = family == .v4 ? .v4 : .v6
    tableFamily = family == .v4 ? .ip : .ip6
    clusterCIDRs = Array(Set(node.clusterCIDRs(family))).sorted()
    serviceCIDRs = Array(Set(node.serviceCIDRs(family))).sorted()
    nodePortIPs = node.nodePortIPs(family)
    masqueradeAll = node.masqueradeAll
    counters = node.counters
    nodeIPs = node.nodeIPs.filter { $0.family == family }
  }

  var addressType: DataType { version.addressType }
  var saddr: Field { .saddr(version) }
  var daddr: Field { .daddr(version) }

  /// Whether pod traffic can be told from other traffic (kube-proxy's local detector).
  var detectsLocalTraffic: Bool { !clusterCIDRs.isEmpty }

  /// Matches traffic from pods (`ip saddr CIDR`, or `@cluster-cidrs` for several CIDRs).
  var fromPods: Expr? { podMatch(.eq) }
  /// Matches traffic not from pods (`ip saddr != CIDR`).
  var notFromPods: Expr? { podMatch(.neq) }

  private func podMatch(_ op: CmpOp) -> Expr? {
    switch clusterCIDRs.count {
    case 0: return nil
    case 1: return .cmp(saddr, op, .prefix(clusterCIDRs[0]))
    default: return .lookup([saddr], set: Names.clusterCIDRsSet, negated: op == .neq)
    }
  }

  /// `ip daddr != 127.0.0.0/8` or `ip6 daddr != ::1`: NodePorts never answer on loopback.
  var notLoopback: Expr {
    family == .v4
      ? .cmp(daddr, .neq, .prefix(IPPrefix(address: .v4(IPv4Address(0x7f00_0000)), length: 8)))
      : .cmp(daddr, .neq, .address(.v6(IPv6Address(high: 0, low: 1))))
  }

  /// The match selecting NodePort destinations in `services` and `nodeport-endpoints-check`.
  var nodePortDestination: [Expr] {
    nodePortIPs == nil
      ? [.cmp(.fibDaddrType, .eq, .fibType(.local)), notLoopback]
      : [.lookup([daddr], set: Names.nodePortIPsSet, negated: false)]
  }
}

// What the reconciler and compiler need to know about the node kproxy runs on: its name, zone
// and IPs, the pod and service CIDRs, where NodePorts listen, and masquerade policy.
import NetAddress

/// Which node addresses accept NodePort traffic (`--nodeport-addresses`).
public enum NodePortAddresses: Sendable, Hashable, CustomStringConvertible {
  /// The node's primary IP of each family (kube-proxy's nftables default).
  case primary
  /// Every node IP inside one of these CIDRs; a `/0` CIDR means every local address.
  case cidrs([IPPrefix])

  /// In plain words, for `-v`: "the node's primary IPs", "node IPs in 172.16.0.0/12, fd00::/8",
  /// "every local address", "every local IPv4 address and node IPs in fd00::/8".
  public var description: String {
    switch self {
    case .primary:
      return "the node's primary IPs"
    case .cidrs(let cidrs):
      let everywhere = IPFamily.allCases.filter { f in cidrs.contains { $0.family == f && $0.length == 0 } }
      let rest = cidrs.filter { !everywhere.contains($0.family) }
      var parts: [String] = []
      if everywhere.count == IPFamily.allCases.count {
        parts.append("every local address")
      } else {
        parts += everywhere.map { "every local \($0.rawValue) address" }
      }
      if !rest.isEmpty { parts.append("node IPs in " + rest.map(\.description).joined(separator: ", ")) }
      return parts.isEmpty ? "no address" : parts.joined(separator: " and ")
    }
  }
}

/// Node-level settings from flags, a KubeProxyConfiguration file and the Node object.
public struct NodeConfig: Sendable, Hashable {
  /// The node's name: endpoints whose nodeName equals it are local.
  public var hostname: String
  /// The node's IPs; the first of each family is that family's primary IP.
  public var nodeIPs: [IPAddress]
  /// Pod CIDRs used to tell in-cluster from outside traffic; empty for a family means no
  /// local-traffic detector for it (as kube-proxy without `--cluster-cidr`).
  public var clusterCIDRs: [IPPrefix]
  /// Service IP ranges: traffic to an unallocated IP inside them is dropped.
  public var serviceCIDRs: [IPPrefix]
  public var nodePortAddresses: NodePortAddresses
  /// Masquerade all traffic to service IPs (`--masquerade-all`).
  public var masqueradeAll: Bool
  /// The node's zone (its Node object's `topology.kubernetes.io/zone` label), matched against
  /// endpoints' zone hints; nil when unknown.
  public var zone: String?
  /// Program a named counter per service port, counting the packets and bytes sent to its
  /// destinations (`--counters`; read by `kproxy status` and the agent's /metrics).
  public var counters: Bool

  public init(
    hostname: String, nodeIPs: [IPAddress] = [], clusterCIDRs: [IPPrefix] = [], serviceCIDRs: [IPPrefix] = [],
    nodePortAddresses: NodePortAddresses = .primary, masqueradeAll: Bool = false, zone: String? = nil,
    counters: Bool = false
  ) {
    self.counters = counters
    self.hostname = hostname
    self.nodeIPs = nodeIPs
    self.clusterCIDRs = clusterCIDRs
    self.serviceCIDRs = serviceCIDRs
    self.nodePortAddresses = nodePortAddresses
    self.masqueradeAll = masqueradeAll
    self.zone = zone
  }

  /// The first node IP of `family`.
  public func primaryIP(_ family: IPFamily) -> IPAddress? { nodeIPs.first { $0.family == family } }

  public func clusterCIDRs(_ family: IPFamily) -> [IPPrefix] { clusterCIDRs.filter { $0.family == family } }
  public func serviceCIDRs(_ family: IPFamily) -> [IPPrefix] { serviceCIDRs.filter { $0.family == family } }

  /// The addresses that accept NodePort traffic for `family`, or nil for "every local
  /// address" (a `/0` CIDR). Loopback addresses never do.
  public func nodePortIPs(_ family: IPFamily) -> [IPAddress]? {
    switch nodePortAddresses {
    case .primary:
      return primaryIP(family).map { [$0] }?.filter { !$0.isLoopback } ?? []
    case .cidrs(let cidrs):
      let mine = cidrs.filter { $0.family == family }
      if mine.contains(where: { $0.length == 0 }) { return nil }
      var seen = Set<IPAddress>()
      return nodeIPs.filter { ip in
        ip.family == family && !ip.isLoopback && mine.contains { $0.contains(ip) } && seen.insert(ip).inserted
      }
    }
  }
}

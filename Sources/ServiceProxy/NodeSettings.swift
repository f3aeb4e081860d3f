// Resolves the node configuration from command-line settings, a KubeProxyConfiguration file
// and the objects themselves (the Node named like this host: IPs and zone; ServiceCIDR objects).
import KubeAPI
import NetAddress

/// Node settings as given on the command line; nil/empty means "not given".
public struct NodeSettings: Sendable, Hashable {
  public var hostnameOverride: String?
  public var nodeIPs: [IPAddress]
  public var clusterCIDRs: [IPPrefix]?
  public var serviceCIDRs: [IPPrefix]
  public var nodePortAddresses: NodePortAddresses?
  public var masqueradeAll: Bool

  public init(
    hostnameOverride: String? = nil, nodeIPs: [IPAddress] = [], clusterCIDRs: [IPPrefix]? = nil, serviceCIDRs: [IPPrefix] = [],
    nodePortAddresses: NodePortAddresses? = nil, masqueradeAll: Bool = false
  ) {
    self.hostnameOverride = hostnameOverride
    self.nodeIPs = nodeIPs
    self.clusterCIDRs = clusterCIDRs
    self.serviceCIDRs = serviceCIDRs
    self.nodePortAddresses = nodePortAddresses
    self.masqueradeAll = masqueradeAll
  }

  /// Flags override the file; the file overrides defaults. Node IPs come from `--node-ip`,
  /// else from the Node object named like this node (InternalIPs, then ExternalIPs). The zone
  /// comes only from that Node object's `topology.kubernetes.io/zone` label, as in kube-proxy.
  public func resolve(config: KubeProxyConfiguration?, objects: ObjectSet, systemHostname: String) -> NodeConfig {
    let hostname = (hostnameOverride ?? config?.hostnameOverride ?? systemHostname).lowercased()
    let thisNode = objects.nodes.first(where: { $0.meta.name == hostname })
    var ips = nodeIPs
    if ips.isEmpty, let node = thisNode {
      ips = node.internalIPs + node.externalIPs
    }
    var npa = nodePortAddresses ?? .primary
    if nodePortAddresses == nil, let fromFile = config?.nodePortAddresses, !fromFile.isEmpty {
      npa = fromFile == ["primary"] ? .primary : .cidrs(fromFile.compactMap { IPPrefix($0) })
    }
    var serviceCIDRs = self.serviceCIDRs
    for sc in objects.serviceCIDRs { serviceCIDRs += sc.cidrs }
    return NodeConfig(
      hostname: hostname, nodeIPs: ips,
      clusterCIDRs: clusterCIDRs ?? config?.clusterCIDRs ?? [],
      serviceCIDRs: serviceCIDRs, nodePortAddresses: npa,
      masqueradeAll: masqueradeAll || (config?.masqueradeAll ?? false), zone: thisNode?.zone)
  }
}

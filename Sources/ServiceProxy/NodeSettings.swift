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
  /// Program a named counter per service port (`--counters`).
  public var counters: Bool
  /// kube-proxy's `--bind-address` as given (0.0.0.0 and :: included: they mean "none").
  public var bindAddress: IPAddress?

  public init(
    hostnameOverride: String? = nil, nodeIPs: [IPAddress] = [], clusterCIDRs: [IPPrefix]? = nil, serviceCIDRs: [IPPrefix] = [],
    nodePortAddresses: NodePortAddresses? = nil, masqueradeAll: Bool = false, bindAddress: IPAddress? = nil,
    counters: Bool = false
  ) {
    self.counters = counters
    self.bindAddress = bindAddress
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
  /// A bind address (the flag, else the file's `bindAddress`) other than 0.0.0.0 / :: is the
  /// primary IP of its family, as kube-proxy takes it.
  public func resolve(config: KubeProxyConfiguration?, objects: ObjectSet, systemHostname: String) -> NodeConfig {
    let hostname = self.hostname(config: config, systemHostname: systemHostname)
    return resolve(
      config: config, hostname: hostname, thisNode: objects.nodes.first(where: { $0.meta.name == hostname }),
      serviceCIDRs: objects.serviceCIDRs)
  }

  /// `resolve(config:objects:systemHostname:)` from the indexed objects a change tracker keeps
  /// (only this node's Node and the ServiceCIDRs are read): what the sync loop calls before each
  /// drain, so that Node and ServiceCIDR changes reach the node config without a restart.
  public func resolve(config: KubeProxyConfiguration?, index: ServiceObjectIndex, systemHostname: String) -> NodeConfig {
    let hostname = self.hostname(config: config, systemHostname: systemHostname)
    return resolve(config: config, hostname: hostname, thisNode: index.nodes[hostname], serviceCIDRs: index.sortedServiceCIDRs)
  }

  /// This node's name: `--hostname-override`, else the file's `hostnameOverride`, else the
  /// system's hostname; lower-cased, as kube-proxy does.
  public func hostname(config: KubeProxyConfiguration?, systemHostname: String) -> String {
    (hostnameOverride ?? config?.hostnameOverride ?? systemHostname).lowercased()
  }

  private func resolve(config: KubeProxyConfiguration?, hostname: String, thisNode: Node?, serviceCIDRs objectCIDRs: [ServiceCIDR])
    -> NodeConfig
  {
    var ips = nodeIPs
    if ips.isEmpty, let node = thisNode {
      ips = node.internalIPs + node.externalIPs
    }
    func specified(_ ip: IPAddress?) -> IPAddress? { ip.flatMap { $0.isUnspecified ? nil : $0 } }
    if let bind = specified(bindAddress) ?? specified(config?.bindAddress) {
      ips = [bind] + ips.filter { $0 != bind }
    }
    var npa = nodePortAddresses ?? .primary
    if nodePortAddresses == nil, let fromFile = config?.nodePortAddresses, !fromFile.isEmpty {
      npa = fromFile == ["primary"] ? .primary : .cidrs(fromFile.compactMap { IPPrefix($0) })
    }
    var serviceCIDRs = self.serviceCIDRs
    for sc in objectCIDRs { serviceCIDRs += sc.cidrs }
    return NodeConfig(
      hostname: hostname, nodeIPs: ips,
      clusterCIDRs: clusterCIDRs ?? config?.clusterCIDRs ?? [],
      serviceCIDRs: serviceCIDRs, nodePortAddresses: npa,
      masqueradeAll: masqueradeAll || (config?.masqueradeAll ?? false), zone: thisNode?.zone, counters: counters)
  }
}

// Builds the userspace proxy's table from the reconciler's service ports: the listeners of each
// service port (ClusterIP, NodePorts, local external IPs; or --listen-address) and its endpoints.
import KubeAPI
import NetAddress
import ServiceProxy

/// The ProxyTable for one state of the reconciler, and what could not be served as asked.
public struct ListenerPlan: Sendable, Hashable {
  public var table: ProxyTable
  /// SCTP ports skipped, listen addresses two service ports want, ports that found no room.
  public var warnings: [String]
  /// With `--listen-address`: why a service port is not on its own port number.
  public var reassigned: [ServicePortName: String]
  /// The range ports given out (persist them for the next start: PortAssignmentStore).
  public var assignments: PortAssignments

  /// Endpoints as kube-proxy chooses them (EndpointCategories, the nftables compiler's choice):
  /// `.internal` listeners use the Local endpoints when `internalTrafficPolicy: Local`, else
  /// the Cluster ones; `.external` listeners the Local ones when `externalTrafficPolicy: Local`.
  /// Both address families of a service port share one ProxiedServicePort (a userspace proxy
  /// can dial either family), so their endpoints are merged.
  ///
  /// Listeners: the ClusterIP (internal); the NodePort on each NodePort address, or on the
  /// unspecified address when NodePorts listen on every local address (external); externalIPs
  /// and LoadBalancer ingress IPs that are local or bound by `--bind-service-ips` (external).
  /// With `--listen-address`: that one address per service port (internal). A listen address
  /// two service ports want goes to the first in sorted order, and a warning says so.
  public init(
    _ servicePorts: [ServicePortInfo], node: NodeConfig, options: ListenerPlanOptions, previous: PortAssignments = PortAssignments()
  ) {
    warnings = []
    reassigned = [:]
    assignments = PortAssignments()
    var ports: [ServicePortName: ProxiedServicePort] = [:]
    let sorted = servicePorts.sorted { ($0.name, $0.family) < ($1.name, $1.family) }
    var sctpWarned = Set<ServicePortName>()
    var ownPort: [ServicePortName: Int] = [:]
    for info in sorted {
      guard info.name.protocol_ != .sctp else {
        if sctpWarned.insert(info.name).inserted {
          warnings.append("\(PortAssignments.key(info.name)): SCTP is not proxied in userspace mode; skipped")
        }
        continue
      }
      ownPort[info.name] = ownPort[info.name] ?? info.port
      let categories = EndpointCategories(info)
      let internalEPs = info.internalPolicyLocal ? categories.local : categories.cluster
      let externalEPs = info.externalPolicyLocal ? categories.local : categories.cluster
      var entry =
        ports[info.name]
        ?? ProxiedServicePort(
          name: info.name, listeners: [:], internalEndpoints: EndpointChoice(endpoints: []),
          externalEndpoints: EndpointChoice(endpoints: []), affinityTimeoutSeconds: info.affinityTimeoutSeconds)
      entry.internalEndpoints.endpoints = Self.merge(entry.internalEndpoints.endpoints, internalEPs)
      entry.externalEndpoints.endpoints = Self.merge(entry.externalEndpoints.endpoints, externalEPs)
      ports[info.name] = entry
    }
    if let address = options.listenAddress {
      let wanted = ports.keys.sorted().map { ($0, ownPort[$0]!) }
      let outcome = PortAssigner(range: options.portRange, lowestBindablePort: options.lowestBindablePort, previous: previous)
        .assign(wanted)
      warnings += outcome.warnings
      reassigned = outcome.reasons
      assignments = outcome.assignments
      for name in ports.keys {
        if let port = outcome.ports[name] {
          ports[name]!.listeners = [ListenAddress(ip: address, port: port, transport: name.protocol_): .internal]
        } else {
          ports[name] = nil
        }
      }
    } else {
      var owner: [ListenAddress: ServicePortName] = [:]
      // Per family, port and transport: the addresses taken so far. A wildcard (0.0.0.0, ::, a
      // NodePort on every address) and any specific address on the same port cannot both bind.
      var taken: [SocketSlot: [ListenAddress]] = [:]
      var reported = Set<ListenAddress>()
      for info in sorted where ports[info.name] != nil {
        for (ip, port, scope) in Self.wantedListeners(info, node: node, options: options) {
          let address = ListenAddress(ip: ip, port: port, transport: info.name.protocol_)
          let slot = SocketSlot(family: ip.family, port: port, transport: address.transport)
          let clash =
            owner[address] != nil ? address : taken[slot, default: []].first { $0.ip.isUnspecified || ip.isUnspecified }
          if let clash, let first = owner[clash] {
            if first != info.name, reported.insert(address).inserted {
              let what = clash == address ? "\(address) is" : "\(address) and \(clash) (same port) are"
              warnings.append(
                "\(what) wanted by \(PortAssignments.key(first)) and \(PortAssignments.key(info.name)): "
                  + "\(PortAssignments.key(first)) keeps it")
            }
            continue
          }
          owner[address] = info.name
          taken[slot, default: []].append(address)
          ports[info.name]!.listeners[address] = scope
        }
      }
    }
    table = ProxyTable(ports: ports)
  }

  /// The addresses `--bind-service-ips` puts on kproxy's interface: every ClusterIP,
  /// externalIP and LoadBalancer ingress IP of a TCP or UDP service port, sorted.
  public static func serviceIPs(_ servicePorts: [ServicePortInfo]) -> [IPAddress] {
    var ips = Set<IPAddress>()
    for info in servicePorts where info.name.protocol_ != .sctp {
      ips.insert(info.clusterIP)
      ips.formUnion(info.externalIPs)
      ips.formUnion(info.loadBalancerIPs)
    }
    return ips.filter { !$0.isUnspecified }.sorted()
  }

  private static func wantedListeners(_ info: ServicePortInfo, node: NodeConfig, options: ListenerPlanOptions)
    -> [(IPAddress, Int, ListenerScope)]
  {
    var out: [(IPAddress, Int, ListenerScope)] = []
    if !info.clusterIP.isUnspecified { out.append((info.clusterIP, info.port, .internal)) }
    if info.nodePort != 0 {
      if let ips = node.nodePortIPs(info.family) {
        out += ips.map { ($0, info.nodePort, .external) }
      } else {
        out.append((unspecified(info.family), info.nodePort, .external))
      }
    }
    for ip in info.externalIPs + info.loadBalancerIPs where options.bindServiceIPs || options.localAddresses.contains(ip) {
      out.append((ip, info.port, .external))
    }
    return out
  }

  private static func unspecified(_ family: IPFamily) -> IPAddress {
    family == .v4 ? .v4(IPv4Address(0)) : .v6(IPv6Address(high: 0, low: 0))
  }

  private static func merge(_ a: [ProxyEndpoint], _ b: [EndpointInfo]) -> [ProxyEndpoint] {
    // Endpoint ports are 1-65535 (KubeAPI validates them).
    let added = b.compactMap { e in UInt16(exactly: e.port).map { ProxyEndpoint(address: e.ip, port: $0) } }
    return a.isEmpty ? added.sorted() : Array(Set(a + added)).sorted()
  }
}

/// The part of a listen address that a wildcard bind covers.
private struct SocketSlot: Hashable {
  var family: IPFamily
  var port: Int
  var transport: L4Protocol
}

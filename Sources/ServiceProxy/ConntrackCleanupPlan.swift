// Which UDP conntrack flows are stale after a sync, as kube-proxy's conntrack reconciler
// decides (pkg/proxy/conntrack/cleanup.go): a pure filter over a flow's tuples, and its trigger.
import KubeAPI
import NetAddress

/// An address and port: a service destination (ClusterIP, externalIP or LoadBalancer IP with
/// the service port) or an endpoint (pod IP with its target port).
public struct ConntrackAddressPort: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var ip: IPAddress
  public var port: Int

  public init(_ ip: IPAddress, _ port: Int) {
    self.ip = ip
    self.port = port
  }

  public static func < (a: Self, b: Self) -> Bool { (a.ip, a.port) < (b.ip, b.port) }
  public var description: String { ip.family == .v6 ? "[\(ip)]:\(port)" : "\(ip):\(port)" }
}

/// The stale-flow filter of one address family, built from the current service ports alone
/// (as kube-proxy: it reconciles the whole table, so flows missed by an earlier sync, a failed
/// one or a restart are caught too). Only UDP: TCP and SCTP flows to a removed endpoint end
/// by themselves (reset, abort or timeout) and kube-proxy leaves them; SCTP service ports are
/// skipped here likewise.
///
/// A UDP flow is stale when its original destination is a destination of a UDP service port
/// with serving endpoints (`ip:port` for ClusterIP, externalIPs and LoadBalancer IPs; any
/// address with the NodePort) and its reply source is none of those serving endpoints: it was
/// DNATed to an endpoint that is gone (or not serving), or it was never DNATed (it reached the
/// node before the service had endpoints, and the kernel would keep it on that path). A
/// service port without serving endpoints claims nothing: its flows are left until it has one.
public struct ConntrackCleanupPlan: Sendable, Hashable {
  public var family: IPFamily
  /// Service destination → the serving endpoints a flow to it may be DNATed to.
  public var destinations: [ConntrackAddressPort: Set<ConntrackAddressPort>]
  /// NodePort → its serving endpoints (the NodePort is matched on any destination address).
  public var nodePorts: [Int: Set<ConntrackAddressPort>]

  /// The filter for `family` from the current service ports (other families are ignored).
  /// Two service ports claiming one destination (a shared externalIP) keep the endpoints of both.
  public init(family: IPFamily, servicePorts: [ServicePortInfo]) {
    self.family = family
    destinations = [:]
    nodePorts = [:]
    for info in servicePorts where info.family == family && info.name.protocol_ == .udp {
      let serving = Set(info.endpoints.filter(\.serving).map { ConntrackAddressPort($0.ip, $0.port) })
      guard !serving.isEmpty else { continue }
      for ip in [info.clusterIP] + info.externalIPs + info.loadBalancerIPs where ip.family == family {
        destinations[ConntrackAddressPort(ip, info.port), default: []].formUnion(serving)
      }
      if info.nodePort != 0 { nodePorts[info.nodePort, default: []].formUnion(serving) }
    }
  }

  /// Nothing can be stale: no UDP service port of this family has a serving endpoint.
  public var isEmpty: Bool { destinations.isEmpty && nodePorts.isEmpty }

  /// Whether a UDP flow of this family with these tuples is to be deleted: its original
  /// destination (`orig dst`, `orig dport`) and its reply source (`reply src`, `reply sport`:
  /// the endpoint it was DNATed to, or the destination itself when it was not).
  public func isStale(originalDestination: ConntrackAddressPort, replySource: ConntrackAddressPort) -> Bool {
    if let serving = destinations[originalDestination], !serving.contains(replySource) { return true }
    if let serving = nodePorts[originalDestination.port], !serving.contains(replySource) { return true }
    return false
  }

  /// Whether a sync needs a cleanup at all, as kube-proxy's `ConntrackCleanupRequired`: some UDP
  /// service port's endpoints changed (it appeared or went away with endpoints, or its endpoint
  /// list differs). `previous` and `current` are complete states (every family).
  public static func isRequired(previous: [ServicePortInfo], current: [ServicePortInfo]) -> Bool {
    var before: [ServicePortKey: [EndpointInfo]] = [:]
    for info in previous where info.name.protocol_ == .udp { before[info.key] = info.endpoints }
    var seen = Set<ServicePortKey>()
    for info in current where info.name.protocol_ == .udp {
      let key = info.key
      seen.insert(key)
      if (before[key] ?? []) != info.endpoints { return true }
    }
    return before.contains { !seen.contains($0.key) && !$0.value.isEmpty }
  }

  /// The same decision from a sync's changes: `previous` holds the service ports as they were
  /// before `changes` (looked up by key; a full state is compared as a whole).
  public static func isRequired(by changes: ProxyChanges, previous: [ServicePortKey: ServicePortInfo]) -> Bool {
    if let full = changes.full { return isRequired(previous: Array(previous.values), current: full.servicePorts) }
    for info in changes.changed where info.name.protocol_ == .udp {
      if (previous[info.key]?.endpoints ?? []) != info.endpoints { return true }
    }
    return changes.removed.contains { $0.name.protocol_ == .udp && !(previous[$0]?.endpoints.isEmpty ?? true) }
  }
}

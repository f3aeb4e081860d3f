// What ListenerPlan needs to know beyond the service ports and the node: where to listen in
// unprivileged use, which ports it may bind, and which addresses are local to this node.
import NetAddress

/// The userspace proxy's listening settings (`kproxy run --mode userspace`, `kproxy proxy`).
public struct ListenerPlanOptions: Sendable, Hashable {
  /// `--listen-address`: every service port listens on this address at its own port number
  /// (or one from `portRange`), instead of on its ClusterIP, NodePort and external IPs.
  public var listenAddress: IPAddress?
  /// `--port-range A-B`: where service ports go whose own port is taken or not bindable.
  public var portRange: ClosedRange<Int>?
  /// Ports below this cannot be bound (0 with CAP_NET_BIND_SERVICE or as root, else
  /// `net.ipv4.ip_unprivileged_port_start`); see `BindPrivilege`.
  public var lowestBindablePort: Int
  /// The addresses configured on this node: externalIPs and LoadBalancer ingress IPs among
  /// them get listeners (others cannot be bound).
  public var localAddresses: Set<IPAddress>
  /// `--bind-service-ips`: kproxy puts every ClusterIP, externalIP and LoadBalancer IP on its
  /// own interface, so all of them are local.
  public var bindServiceIPs: Bool

  public init(
    listenAddress: IPAddress? = nil, portRange: ClosedRange<Int>? = nil, lowestBindablePort: Int = 0,
    localAddresses: Set<IPAddress> = [], bindServiceIPs: Bool = false
  ) {
    self.listenAddress = listenAddress
    self.portRange = portRange
    self.lowestBindablePort = lowestBindablePort
    self.localAddresses = localAddresses
    self.bindServiceIPs = bindServiceIPs
  }
}

// kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration: the subset of settings kproxy honours.
import NetAddress

public struct KubeProxyConfiguration: Sendable, Hashable {
  public var hostnameOverride: String?
  /// `clusterCIDR`, comma-separated in the file.
  public var clusterCIDRs: [IPPrefix]
  /// `nodePortAddresses`: CIDRs, or the single word "primary".
  public var nodePortAddresses: [String]
  /// `detectLocalMode`; only "ClusterCIDR" (or empty) is supported.
  public var detectLocalMode: String?
  /// `nftables.masqueradeAll`.
  public var masqueradeAll: Bool?
  /// `bindAddress`: kube-proxy's node IP setting (0.0.0.0 and :: mean none).
  public var bindAddress: IPAddress?
  /// `healthzBindAddress`, `metricsBindAddress`: `host:port` of the agent's HTTP servers.
  public var healthzBindAddress: String?
  public var metricsBindAddress: String?
  /// `nftables.syncPeriod` and `nftables.minSyncPeriod`, in seconds.
  public var syncPeriod: Double?
  public var minSyncPeriod: Double?
  /// `clientConnection.kubeconfig`: the kubeconfig file to reach the API server.
  public var kubeconfig: String?
  /// `mode`: one of `modes` (kube-proxy's "nftables", and kproxy's own "userspace" and "auto"),
  /// or nil when empty or absent (auto).
  public var mode: String?
  /// The values `mode` accepts; `kproxy run --mode` has the same names.
  public static let modes: Set<String> = ["auto", "nftables", "userspace"]

  public init(
    hostnameOverride: String? = nil, clusterCIDRs: [IPPrefix] = [], nodePortAddresses: [String] = [], detectLocalMode: String? = nil,
    masqueradeAll: Bool? = nil
  ) {
    self.hostnameOverride = hostnameOverride
    self.clusterCIDRs = clusterCIDRs
    self.nodePortAddresses = nodePortAddresses
    self.detectLocalMode = detectLocalMode
    self.masqueradeAll = masqueradeAll
  }
}

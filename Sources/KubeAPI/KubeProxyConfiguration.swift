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

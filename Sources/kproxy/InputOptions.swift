// Command-line options shared by every command that reads cluster state: manifests and the
// node settings (hostname, node IPs, CIDRs, NodePort addresses, masquerade-all, config file).
import ArgumentParser
import Foundation
import KubeAPI
import KubeSource
import NetAddress
import ServiceProxy

struct NodeOptions: ParsableArguments {
  @Option(
    name: .customLong("hostname-override"),
    help: ArgumentHelp(
      "This node's name: endpoints whose nodeName equals it are local. Default: the config file's hostnameOverride, else the host name.",
      valueName: "name"))
  var hostnameOverride: String?

  @Option(
    name: .customLong("node-ip"),
    help: ArgumentHelp(
      "A node IP (repeatable); the first of each family is its primary IP. Default: the InternalIP and ExternalIP addresses of the Node object named like this node, else none.",
      valueName: "ip"))
  var nodeIPs: [String] = []

  @Option(
    name: .customLong("bind-address"),
    help: ArgumentHelp(
      "kube-proxy's node-IP flag: an address other than 0.0.0.0 and :: is the primary node IP of its family, ahead of --node-ip and the Node object's addresses; 0.0.0.0 or :: (kube-proxy's default) changes nothing. Default: not set.",
      valueName: "ip"))
  var bindAddress: String?

  @Option(
    name: .customLong("cluster-cidr"),
    help: ArgumentHelp(
      "Pod CIDRs, comma-separated (at most one IPv4 and one IPv6 is usual). Traffic to a ClusterIP from outside them is masqueraded. Without one for a family, pod traffic cannot be told from outside traffic, as kube-proxy without a local-traffic detector. Default: the config file's clusterCIDR, else none.",
      valueName: "cidrs"))
  var clusterCIDR: String?

  @Option(
    name: .customLong("service-cidr"),
    help: ArgumentHelp(
      "Service IP ranges, comma-separated, added to those of ServiceCIDR objects. Traffic to an unallocated IP in them is dropped. Default: none besides the ServiceCIDR objects'.",
      valueName: "cidrs"))
  var serviceCIDR: String?

  @Option(
    name: .customLong("nodeport-addresses"),
    help: ArgumentHelp(
      "Where NodePorts accept traffic: 'primary' (the node's primary IPs) or comma-separated CIDRs selecting node IPs; 0.0.0.0/0 or ::/0 means every local address. Default: the config file's nodePortAddresses, else primary.",
      valueName: "cidrs|primary"))
  var nodePortAddresses: String?

  @Flag(
    name: .customLong("masquerade-all"),
    help: "Masquerade all traffic sent to service IPs. Default: the config file's nftables.masqueradeAll, else off.")
  var masqueradeAll = false

  @Flag(
    name: .customLong("counters"),
    help:
      "Count the packets and bytes sent to each service port's destinations in a named nftables counter (read by `kproxy status`, exported by `kproxy run` as kproxy_service_packets_total and kproxy_service_bytes_total). Costs one map lookup per packet to the node. Default: off.")
  var counters = false

  @Option(
    name: .customLong("config"),
    help: ArgumentHelp(
      "A kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration YAML (hostnameOverride, clusterCIDR, nodePortAddresses, detectLocalMode, nftables.masqueradeAll). Each flag given overrides the file's value (unlike kube-proxy, which ignores most flags when --config is given); a flag that contradicts the file is warned about. Default: none.",
      valueName: "file"))
  var config: String?

  /// Checked while parsing, so that a bad value is reported with the command's usage.
  func validate() throws { _ = try settings() }

  /// The --config file, decoded, and a warning for each value a flag in `settings` sets
  /// differently; no file, no configuration.
  func configuration(settings: NodeSettings) throws -> (config: KubeProxyConfiguration?, warnings: [String]) {
    guard let file = config else { return (nil, []) }
    let decoded: KubeProxyConfiguration
    do {
      decoded = try KubeProxyConfiguration.decode(try ConfigFileReader.text(at: file), file: file)
    } catch {
      throw UserError(description: error.description)
    }
    return (decoded, FlagConfigOverlap.warnings(settings: settings, config: decoded, file: file))
  }

  /// --bind-address as given (0.0.0.0 and :: included; `NodeSettings.resolve` ignores them).
  func bindAddressIP() throws -> IPAddress? {
    guard let bindAddress else { return nil }
    guard let ip = IPAddress(bindAddress) else { throw ValidationError("--bind-address: \"\(bindAddress)\" is not a valid IP address") }
    return ip
  }

  /// The flags as settings; throws a ValidationError naming the flag for a bad value.
  func settings() throws -> NodeSettings {
    var s = NodeSettings(
      hostnameOverride: hostnameOverride, masqueradeAll: masqueradeAll, bindAddress: try bindAddressIP(), counters: counters)
    for text in nodeIPs {
      guard let ip = IPAddress(text) else { throw ValidationError("--node-ip: \"\(text)\" is not a valid IP address") }
      s.nodeIPs.append(ip)
    }
    if let clusterCIDR { s.clusterCIDRs = try Self.cidrs(clusterCIDR, flag: "--cluster-cidr") }
    if let serviceCIDR { s.serviceCIDRs = try Self.cidrs(serviceCIDR, flag: "--service-cidr") }
    if let nodePortAddresses {
      s.nodePortAddresses =
        nodePortAddresses == "primary" ? .primary : .cidrs(try Self.cidrs(nodePortAddresses, flag: "--nodeport-addresses"))
    }
    if let h = hostnameOverride, !Self.isDNSSubdomain(h) {
      throw ValidationError("--hostname-override: \"\(h)\" is not a valid node name (lower-case DNS subdomain)")
    }
    return s
  }

  static func cidrs(_ text: String, flag: String) throws -> [IPPrefix] {
    try text.split(separator: ",", omittingEmptySubsequences: false).map { part in
      let p = part.trimmingCharacters(in: .whitespaces)
      guard let prefix = IPPrefix(p) else { throw ValidationError("\(flag): \"\(p)\" is not a valid CIDR") }
      return prefix
    }
  }

  static func isDNSSubdomain(_ s: String) -> Bool {
    let u = Array(s.lowercased().utf8)
    guard !u.isEmpty, u.count <= 253 else { return false }
    return s.lowercased().split(separator: ".", omittingEmptySubsequences: false).allSatisfy { label in
      let l = Array(label.utf8)
      guard let f = l.first, let last = l.last, l.count <= 63 else { return false }
      func an(_ c: UInt8) -> Bool { (c >= 97 && c <= 122) || (c >= 48 && c <= 57) }
      return an(f) && an(last) && l.allSatisfy { an($0) || $0 == UInt8(ascii: "-") }
    }
  }
}

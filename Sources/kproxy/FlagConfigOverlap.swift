// Flags override the --config file, value by value; where a flag and the file both set one
// value to different things, a warning names both, so that nobody wonders which one counted.
import KubeAPI
import NetAddress
import ServiceProxy

enum FlagConfigOverlap {
  /// One warning per value set differently by a flag and by `config` (read from `file`).
  static func warnings(settings: NodeSettings, config: KubeProxyConfiguration, file: String) -> [String] {
    var out: [String] = []
    func overrides(_ flag: String, _ flagValue: String, _ field: String, _ fileValue: String) {
      out.append("\(flag) \(flagValue) overrides \(field): \(fileValue) of \(file) (flags take precedence over the config file)")
    }
    if let flag = settings.hostnameOverride, let fromFile = config.hostnameOverride, flag.lowercased() != fromFile.lowercased() {
      overrides("--hostname-override", flag, "hostnameOverride", fromFile)
    }
    if let flag = settings.clusterCIDRs, !config.clusterCIDRs.isEmpty, flag != config.clusterCIDRs {
      overrides("--cluster-cidr", list(flag), "clusterCIDR", list(config.clusterCIDRs))
    }
    if let flag = settings.nodePortAddresses, !config.nodePortAddresses.isEmpty {
      let flagText: [String]
      switch flag {
      case .primary: flagText = ["primary"]
      case .cidrs(let cidrs): flagText = cidrs.map(\.description)
      }
      let fileText = config.nodePortAddresses.map { IPPrefix($0)?.description ?? $0 }
      if flagText != fileText {
        overrides("--nodeport-addresses", flagText.joined(separator: ","), "nodePortAddresses", "[\(fileText.joined(separator: ", "))]")
      }
    }
    if let flag = settings.bindAddress, let fromFile = config.bindAddress, flag != fromFile {
      overrides("--bind-address", flag.description, "bindAddress", fromFile.description)
    }
    if settings.masqueradeAll, config.masqueradeAll == false {
      overrides("--masquerade-all", "(true)", "nftables.masqueradeAll", "false")
    }
    return out
  }

  private static func list(_ prefixes: [IPPrefix]) -> String { prefixes.map(\.description).joined(separator: ",") }
}

// `kproxy run`'s settings with flags, the --config file and kube-proxy's defaults combined
// (flags win, value by value), checked before the agent starts.
import Dataplane
import Foundation
import KubeAPI
import KubeSource
import NFTNetlink
import NetAddress
import ServiceProxy
import UserspaceProxy

struct AgentSettings {
  var manifests: [String]
  /// The API server connection, when the agent watches one.
  var connection: ClusterConnection?
  var node: NodeSettings
  var config: KubeProxyConfiguration?
  var mode: RunCommand.Mode
  var namespace: NetworkNamespace?
  var healthz: (host: String, port: Int)?
  var metrics: (host: String, port: Int)?
  var minSyncPeriod: Double
  var syncPeriod: Double
  var verbose: Bool
  /// Where the nftables mode keeps its large sets' elements between runs (nil: nowhere).
  var setState: SetStateStore?
  /// The userspace mode's listening options, state file and --bind-service-ips.
  var userspace: ListenerPlanOptions
  var portStore: PortAssignmentStore
  var bindServiceIPs: Bool
  /// Warnings to log once the logger is up (a flag overriding the config file).
  var warnings: [String]

  init(command c: RunCommand) throws {
    node = try c.node.settings()
    (config, warnings) = try c.node.configuration(settings: node)
    manifests = c.manifests
    mode = c.mode ?? config?.mode.flatMap { RunCommand.Mode(rawValue: $0) } ?? .auto
    verbose = c.verbose
    setState = c.setStateDirectory.isEmpty ? nil : SetStateStore(directory: c.setStateDirectory)
    userspace = try c.userspace.planOptions()
    portStore = c.userspace.store
    bindServiceIPs = c.userspace.bindServiceIPs
    namespace = try KernelOptions.namespace(c.netns)
    healthz = try Self.address(c.healthzBindAddress ?? config?.healthzBindAddress ?? "0.0.0.0:10256")
    metrics = try Self.address(c.metricsBindAddress ?? config?.metricsBindAddress ?? "127.0.0.1:10249")
    minSyncPeriod = try c.minSyncPeriod.map { try GoDuration.seconds($0).get() } ?? config?.minSyncPeriod ?? 1
    syncPeriod = try c.syncPeriod.map { try GoDuration.seconds($0).get() } ?? config?.syncPeriod ?? 30
    guard syncPeriod > 0 else { throw UserError(description: "--sync-period must be more than 0") }

    let kubeconfig = c.kubeconfig ?? config?.kubeconfig
    let inCluster = ProcessInfo.processInfo.environment["KUBERNETES_SERVICE_HOST"] != nil
    if kubeconfig != nil || c.master != nil || (manifests.isEmpty && inCluster) {
      do {
        connection = try ClusterConnection.fromFlags(kubeconfig: kubeconfig, master: c.master)
      } catch {
        throw UserError(description: "cannot connect to the API server: \(error)")
      }
    }
    if manifests.isEmpty && connection == nil {
      throw UserError(
        description:
          "no source: give --manifests PATH (files or folders to watch), or --kubeconfig/--master (or run in a cluster) to watch the API server"
      )
    }
  }

  /// "host:port" as host and port; nil when empty (the server is disabled).
  static func address(_ text: String) throws -> (host: String, port: Int)? {
    if text.isEmpty { return nil }
    if let problem = HostPort.problem(text) { throw UserError(description: "\"\(text)\" \(problem)") }
    let colon = text.lastIndex(of: ":")!
    var host = String(text[..<colon])
    if host.hasPrefix("[") { host = String(host.dropFirst().dropLast()) }
    return (host.isEmpty ? "0.0.0.0" : host, Int(text[text.index(after: colon)...])!)
  }
}

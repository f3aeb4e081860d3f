// `kproxy run`: the node agent. Parses kube-proxy's flags (and the --config file's fields),
// then hands over to `NodeAgent`, which watches the sources and keeps the dataplane in step.
import ArgumentParser
import Dataplane
import Foundation
import KubeAPI

struct RunCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run as a node agent: watch Services, EndpointSlices and Pods and keep the dataplane in step.",
    discussion: """
      Sources: manifest files and folders (--manifests, watched with inotify: a file that fails to \
      decode keeps its last good objects), and/or the Kubernetes API (--kubeconfig, --master, or \
      in-cluster configuration when KUBERNETES_SERVICE_HOST is set and no other source is given). \
      Nothing is synced until every source has delivered its initial state. Runs until SIGTERM or \
      SIGINT, which leave the rules in place (`kproxy cleanup` removes them). Flags override the \
      --config file value by value (a warning names both when they differ); kube-proxy instead \
      ignores most flags when --config is given.
      Modes: auto (default) probes nf_tables with a batch that adds and deletes a scratch table \
      and falls back to userspace when that fails (the reason is logged and in the metric \
      kproxy_proxy_mode); nftables programs the kernel through netlink; userspace proxies TCP and \
      UDP in this process (SCTP is skipped); dry-run prints each sync's \
      transaction as nft text to stdout (a block per sync, headed by a comment with the sync \
      number, time and cause) and never touches the kernel.
      The HTTP servers (healthz, metrics, health-check node ports) listen in kproxy's own network \
      namespace, also with --netns. Exit status: 0 after a signal, 2 on a startup error.
      """)

  enum Mode: String, ExpressibleByArgument, CaseIterable {
    case auto
    case nftables
    case userspace
    case dryRun = "dry-run"
  }

  @Option(
    name: .customLong("manifests"),
    help: ArgumentHelp(
      "A manifest file or folder to watch (read recursively for .yaml, .yml and .json); repeatable. Default: none.",
      valueName: "path"))
  var manifests: [String] = []

  @Option(
    name: .customLong("kubeconfig"),
    help: ArgumentHelp(
      "A kubeconfig file (its current context: server, CA, token or client certificate) to watch the API server. Default: the config file's clientConnection.kubeconfig, else none.",
      valueName: "file"))
  var kubeconfig: String?

  @Option(
    name: .customLong("master"),
    help: ArgumentHelp("The API server's URL (overrides the kubeconfig's server). Default: none.", valueName: "url"))
  var master: String?

  @OptionGroup(title: "Node options") var node: NodeOptions

  @Option(
    name: .customLong("mode"),
    help: ArgumentHelp(
      "auto (nftables when nf_tables can be programmed, else userspace), nftables (program the kernel through netlink; never falls back), userspace (a TCP/UDP proxy in this process), or dry-run (print each sync's transaction). Default: the config file's mode (auto, nftables or userspace), else auto.",
      valueName: "mode"))
  var mode: Mode?

  @OptionGroup(title: "Userspace options") var userspace: UserspaceOptions

  @Option(
    name: .customLong("netns"),
    help: ArgumentHelp(
      "Program the kernel of this network namespace: a name from `ip netns` or a path such as /proc/PID/ns/net. Default: the current one.",
      valueName: "name|path"))
  var netns: String?

  @Option(
    name: .customLong("healthz-bind-address"),
    help: ArgumentHelp(
      "host:port of /healthz and /livez; empty disables them. Default: the config file's healthzBindAddress, else 0.0.0.0:10256.",
      valueName: "host:port"))
  var healthzBindAddress: String?

  @Option(
    name: .customLong("metrics-bind-address"),
    help: ArgumentHelp(
      "host:port of /metrics; empty disables it. Default: the config file's metricsBindAddress, else 127.0.0.1:10249.",
      valueName: "host:port"))
  var metricsBindAddress: String?

  @Option(
    name: .customLong("min-sync-period"),
    help: ArgumentHelp(
      "During a burst of changes, at most one sync per this period (Go duration). Default: the config file's nftables.minSyncPeriod, else 1s.",
      valueName: "duration"))
  var minSyncPeriod: String?

  @Option(
    name: .customLong("sync-period"),
    help: ArgumentHelp(
      "A sync (and a check for changes made by others) at least this often (Go duration). Default: the config file's nftables.syncPeriod, else 30s.",
      valueName: "duration"))
  var syncPeriod: String?

  @Option(
    name: .customLong("set-state-dir"),
    help: ArgumentHelp(
      "Where the elements of kproxy's largest sets are kept (after each full sync and on SIGTERM/SIGINT), one file per network namespace, so that a restart sends only their changes instead of refilling them; used only while the kernel's ruleset generation is still the one kproxy's commit produced. '' keeps no file.",
      valueName: "dir"))
  var setStateDirectory: String = SetStateStore.defaultDirectory

  @Flag(name: .shortAndLong, help: "Log every sync and every source event (stderr).")
  var verbose = false

  func validate() throws {
    for (flag, value) in [("--healthz-bind-address", healthzBindAddress), ("--metrics-bind-address", metricsBindAddress)] {
      if let value, !value.isEmpty, let problem = HostPort.problem(value) { throw ValidationError("\(flag): \"\(value)\" \(problem)") }
    }
    for (flag, value) in [("--min-sync-period", minSyncPeriod), ("--sync-period", syncPeriod)] {
      if let value, case .failure(let e) = GoDuration.seconds(value) { throw ValidationError("\(flag): \(e)") }
    }
    try KernelOptions.validate(netns: netns)
  }

  func run() throws {
    let settings = try AgentSettings(command: self)
    let code = NodeAgent.runUntilSignalled(settings)
    if code != 0 { throw ExitCode(code) }
  }
}

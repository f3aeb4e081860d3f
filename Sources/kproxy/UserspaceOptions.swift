// The userspace mode's flags, shared by `kproxy run` and `kproxy proxy`: where to listen,
// the port range for reassigned ports and its state file, and --bind-service-ips.
import ArgumentParser
import Foundation
import NetAddress
import ServiceProxy
import UserspaceProxy

struct UserspaceOptions: ParsableArguments {
  @Option(
    name: .customLong("listen-address"),
    help: ArgumentHelp(
      "Userspace mode: listen on this address only, each service port at its own port number (or one from --port-range when that is taken or below the ports this process may bind). Default: the service's ClusterIP, NodePorts and local external IPs.",
      valueName: "ip"))
  var listenAddress: String?

  @Option(
    name: .customLong("port-range"),
    help: ArgumentHelp(
      "Userspace mode with --listen-address: ports for service ports that cannot use their own, kept across restarts in the state file. Default: 40000-40999.",
      valueName: "A-B"))
  var portRange: String = "40000-40999"

  @Option(
    name: .customLong("state-dir"),
    help: ArgumentHelp(
      "Userspace mode: where the port assignments are kept. Default: /var/lib/kproxy as root, else $XDG_STATE_HOME/kproxy (~/.local/state/kproxy).",
      valueName: "dir"))
  var stateDir: String?

  @Flag(
    name: .customLong("bind-service-ips"),
    help:
      "Userspace mode: put every ClusterIP, externalIP and LoadBalancer IP on the interface kproxy0 (removed on exit) so that they can be listened on."
  )
  var bindServiceIPs = false

  func validate() throws {
    _ = try listenIP()
    _ = try range()
  }

  func listenIP() throws -> IPAddress? {
    guard let listenAddress else { return nil }
    guard let ip = IPAddress(listenAddress) else { throw ValidationError("--listen-address: \"\(listenAddress)\" is not an IP address") }
    return ip
  }

  /// `A-B` with 1 ≤ A ≤ B ≤ 65535.
  func range() throws -> ClosedRange<Int> {
    let parts = portRange.split(separator: "-", omittingEmptySubsequences: false)
    guard parts.count == 2, let a = Int(parts[0]), let b = Int(parts[1]), 1 <= a, a <= b, b <= 65535 else {
      throw ValidationError("--port-range: \"\(portRange)\" is not a range A-B of ports (1 ≤ A ≤ B ≤ 65535)")
    }
    return a...b
  }

  var store: PortAssignmentStore {
    PortAssignmentStore(
      directory: stateDir ?? PortAssignmentStore.defaultDirectory(isRoot: geteuid() == 0, environment: ProcessInfo.processInfo.environment))
  }

  /// The plan's options; `node`'s IPs count as local addresses (an externalIP that is a node IP
  /// gets a listener; the agent's UserspaceMode adds them at each sync).
  func planOptions(node: NodeConfig? = nil) throws -> ListenerPlanOptions {
    ListenerPlanOptions(
      listenAddress: try listenIP(), portRange: try range(), lowestBindablePort: BindPrivilege.lowestBindablePort(),
      localAddresses: Set(node?.nodeIPs ?? []), bindServiceIPs: bindServiceIPs)
  }
}

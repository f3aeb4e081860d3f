// A throwaway node: a node namespace that forwards, pod namespaces on veth links to it, and an
// outside client namespace on a separate link; plus the processes started in them and cleanup.
import Foundation
import Sandbox

/// One pod: its namespace and its addresses (the node reaches it by a /32 and /128 route).
public struct PodNamespace {
  public var index: Int
  public var namespace: String
  public var ipv4: String
  public var ipv6: String
  /// The node-side veth of the pod's link.
  public var nodeLink: String
}

/// Fixed addresses of every topology (each topology lives in its own namespaces, so
/// parallel tests reuse them without conflict).
public enum TopologyAddresses {
  public static let nodeIPv4 = "192.168.1.2"
  public static let nodeIPv6 = "fd00:1::2"
  public static let outsideIPv4 = "192.168.1.100"
  public static let outsideIPv6 = "fd00:1::100"
  /// The node's address on every pod link: the pods' gateway and the masquerade source.
  public static let gatewayIPv4 = "10.244.0.1"
  public static let gatewayIPv6 = "fd00:244::1"
  public static let clusterCIDRs = "10.244.0.0/16,fd00:244::/32"
  public static let serviceCIDRs = "10.96.0.0/16,fd00:96::/112"

  public static func podIPv4(_ i: Int) -> String { "10.244.1.\(10 + i)" }
  public static func podIPv6(_ i: Int) -> String { "fd00:244:1::\(10 + i)" }
}

/// How a topology's node gets its ruleset: `nft -f` of `kproxy compile`'s script,
/// `kproxy apply --netns` through the netlink backend (read back, diff, one transaction), or a
/// running `kproxy run --netns` watching a manifest folder (AgentProgrammer).
public enum RulesetBackend: String, CaseIterable, Sendable, CustomStringConvertible {
  case nft
  case netlink
  case agent
  public var description: String { rawValue }
}

public final class Topology {
  public let prefix = NamespaceNames.newPrefix()
  public let backend: RulesetBackend
  public var node: String { prefix + "-node" }
  public var outside: String { prefix + "-out" }
  public private(set) var pods: [PodNamespace] = []
  private var created: [String] = []
  private var processes: [Process] = []
  private var cleanedUp = false

  private lazy var agent = AgentProgrammer(prefix: prefix)

  public init(backend: RulesetBackend) { self.backend = backend }

  /// For each way of programming the node in turn (all of them unless `backends` says), builds
  /// a fresh topology with `podCount` pods, runs `body`, and always cleans up: every packet test
  /// checks `nft -f`, the netlink backend and the agent alike.
  public static func with(
    pods podCount: Int, backends: [RulesetBackend] = RulesetBackend.allCases, _ body: (Topology) throws -> Void
  ) throws {
    for backend in backends {
      try PacketTestPrerequisites.require()
      NamespaceNames.removeStale()
      let topology = Topology(backend: backend)
      defer { topology.cleanup() }
      try topology.build(podCount: podCount)
      do {
        try body(topology)
      } catch {
        throw CommandFailure(description: "[\(backend) backend] \(error)")
      }
    }
  }

  private func build(podCount: Int) throws {
    pods = (0..<podCount).map { i in
      PodNamespace(
        index: i, namespace: "\(prefix)-pod\(i)", ipv4: TopologyAddresses.podIPv4(i), ipv6: TopologyAddresses.podIPv6(i),
        nodeLink: "pod\(i)")
    }
    // The product's sandbox builds it (kproxy sandbox): here with the fixed addresses above.
    typealias A = TopologyAddresses
    let plan = SandboxPlan(
      name: prefix, node: node, outside: outside, nodeIPs: [A.nodeIPv4, A.nodeIPv6], outsideIPs: [A.outsideIPv4, A.outsideIPv6],
      gateways: [A.gatewayIPv4, A.gatewayIPv6],
      pods: pods.map { SandboxPod(namespace: $0.namespace, link: $0.nodeLink, ip: $0.ipv4, otherIP: $0.ipv6) })
    created = plan.namespaces
    do {
      try SandboxNetwork.build(plan)
    } catch {
      throw CommandFailure(description: "building the topology: \(error)")
    }
  }

  /// Adds another address to the node's outside link (a secondary node IP).
  public func addNodeAddress(_ cidr: String) throws {
    try Command.must(["ip", "-n", node, "addr", "add", cidr, "dev", "out"] + (cidr.contains(":") ? ["nodad"] : []))
  }

  /// Loads an nft script into the node namespace.
  /// Loads a ruleset that is not kproxy's (another tool's table) with `nft -f`.
  public func loadForeignRuleset(_ script: String) throws {
    try loadScript(script)
  }

  private func loadScript(_ script: String) throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(node).nft")
    try script.write(to: url, atomically: true, encoding: .utf8)
    defer { try? FileManager.default.removeItem(at: url) }
    try Command.must(["ip", "netns", "exec", node, "nft", "-f", url.path])
  }

  /// Programs the node with `cluster` through this topology's backend.
  public func loadRuleset(_ cluster: CompiledCluster) throws {
    switch backend {
    case .nft:
      try loadScript(cluster.script)
    case .netlink:
      try cluster.withManifests { dir in
        try Command.must([try PacketTestPaths.kproxyBinary(), "apply", "--netns", node, "--manifests", dir] + cluster.nodeArguments)
      }
    case .agent:
      try agent.load(cluster, node: node)
    }
  }

  /// Runs a command inside `namespace`.
  public func run(in namespace: String, _ arguments: [String], timeout: Double = 30) throws -> CommandResult {
    try Command.run(["ip", "netns", "exec", namespace] + arguments, timeout: timeout)
  }

  /// Starts a background process inside `namespace`; cleanup stops it.
  public func spawn(in namespace: String, _ arguments: [String]) throws -> Process {
    let process = try Command.spawn(["ip", "netns", "exec", namespace] + arguments)
    processes.append(process)
    return process
  }

  /// Stops every process started here and deletes every namespace; safe to call twice.
  public func cleanup() {
    if cleanedUp { return }
    cleanedUp = true
    if backend == .agent { agent.stop() }
    for process in processes where process.isRunning {
      kill(process.processIdentifier, SIGKILL)
    }
    for process in processes { process.waitUntilExit() }
    for name in created { NamespaceNames.delete(name) }
  }
}

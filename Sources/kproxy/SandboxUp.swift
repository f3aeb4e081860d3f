// `kproxy sandbox up`: compile the manifests for the node, build the namespaces, start the echo
// servers, and program the node (netlink once, or `kproxy run` inside it with --agent). A
// failure on the way removes whatever was built.
import ArgumentParser
import Dataplane
import Foundation
import NFTNetlink
import NFTables
import Sandbox

struct SandboxUp: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "up", abstract: "Build a sandbox from manifests and program its node.")

  @Option(help: "The sandbox's name (lower-case letters, digits, '-'; at most 20).") var name: String

  @Option(
    name: .customLong("manifests"),
    help: ArgumentHelp("A manifest file or folder; repeatable. Every endpoint address becomes a pod namespace.", valueName: "path"))
  var manifests: [String] = []

  @OptionGroup(title: "Node options") var node: NodeOptions

  @Flag(help: "Run `kproxy run --manifests …` inside the node (it follows the files as they change) instead of applying once.")
  var agent = false

  func validate() throws {
    try SandboxNames.validate(name)
    if manifests.isEmpty { throw ValidationError("give the cluster with --manifests") }
  }

  func run() throws {
    var phases = PipelinePhases()
    let (compiled, nodeConfig, state) = try Pipeline.compileResolvingNode(paths: manifests, node: node, phases: &phases)
    let plan: SandboxPlan
    do {
      plan = try SandboxPlan(name: name, state: state, node: nodeConfig)
    } catch {
      throw UserError(description: error.description)
    }
    if FileManager.default.fileExists(atPath: SandboxNames.statePath(name)) || !SandboxNetwork.namespaces(of: name).isEmpty {
      throw UserError(description: SandboxError.exists(name).description)
    }
    let agentArguments = agent ? Self.forwardedArguments(CommandLine.arguments) : nil
    _ = try Self.launch(plan, ruleset: compiled.ruleset, manifests: manifests, agentArguments: agentArguments)
    try Output.write(
      "kproxy: sandbox \(name) is up: node \(plan.node) (\(plan.nodeIPs.joined(separator: ", "))), \(plan.pods.count) pods, outside \(plan.outside) (\(plan.outsideIPs.joined(separator: ", "))); programmed \(agent ? "by kproxy run" : "through netlink")\n"
    )
  }

  /// Builds `plan`, starts its echo servers and programs its node: through netlink with
  /// `ruleset`, or by `kproxy run` with `agentArguments` (input and node options). On failure
  /// everything built is removed. Returns the saved state.
  static func launch(_ plan: SandboxPlan, ruleset: Ruleset, manifests: [String], agentArguments: [String]?) throws -> SandboxState {
    let name = plan.name
    var saved = SandboxState(plan: plan, programming: agentArguments != nil ? .agent : .netlink, manifests: manifests.map(absolute))
    do {
      try saved.save()
      try SandboxNetwork.build(plan)
      saved.pids = try startEchoServers(plan)
      if let agentArguments {
        saved.pids.append(try startAgent(plan, arguments: agentArguments))
      } else {
        let namespace = NetworkNamespace("/run/netns/\(plan.node)")
        _ = try DataplaneError.mapping { try Synchronizer(backend: NetlinkBackend(namespace: namespace)).sync(to: ruleset, full: false) }
      }
      try saved.save()
    } catch {
      SandboxNetwork.remove(name)
      throw UserError(description: "sandbox \(name): \(error); removed what was built")
    }
    return saved
  }

  static func absolute(_ path: String) -> String {
    path == "-" || path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
  }

  /// One `kproxy sandbox serve` per pod (and one in the node for host-network endpoints), each
  /// waited for until it has bound every port.
  private static func startEchoServers(_ plan: SandboxPlan) throws -> [Int32] {
    var started: [(Process, String, String)] = []
    let members = plan.pods.map { ($0.namespace, $0.listens) } + (plan.nodeListens.isEmpty ? [] : [(plan.node, plan.nodeListens)])
    for (ns, listens) in members {
      let log = SandboxNames.logPath(plan.name, "echo-\(ns)")
      let args = listens.map { "--listen=\($0.transport.rawValue):\($0.ip):\($0.port)" }
      started.append((try spawn(["netns", "exec", ns, SelfBinary.path, "sandbox", "serve"] + args, log: log), ns, log))
    }
    for (p, ns, log) in started { try waitForLog(log, of: p, toContain: "ready", within: 15, what: "the echo server in \(ns)") }
    return started.map { $0.0.processIdentifier }
  }

  /// `kproxy run` inside the node on the same manifests and node options; waits for its first sync.
  private static func startAgent(_ plan: SandboxPlan, arguments args: [String]) throws -> Int32 {
    let log = SandboxNames.logPath(plan.name, "agent")
    let p = try spawn(
      ["netns", "exec", plan.node, SelfBinary.path, "run", "--healthz-bind-address", "", "--metrics-bind-address", ""] + args, log: log)
    try waitForLog(log, of: p, toContain: "sync 1 ", within: 60, what: "kproxy run (its first sync)")
    return p.processIdentifier
  }

  /// Waits until `log` (the output of `process`) contains `marker`; fails when the process
  /// exits first or `seconds` pass.
  private static func waitForLog(_ log: String, of process: Process, toContain marker: String, within seconds: Double, what: String)
    throws
  {
    let deadline = Date().addingTimeInterval(seconds)
    while (try? String(contentsOfFile: log, encoding: .utf8))?.contains(marker) != true {
      if !process.isRunning {
        throw UserError(description: "\(what) exited: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")")
      }
      if Date() > deadline { throw UserError(description: "\(what) did not start within \(Int(seconds)) s (log: \(log))") }
      usleep(20_000)
    }
  }

  /// This command's input and node options, for `kproxy run`: everything after `up` except
  /// `--name` and `--agent`, with manifest paths made absolute.
  static func forwardedArguments(_ argv: [String]) -> [String] {
    guard let up = argv.firstIndex(of: "up") else { return [] }
    var out: [String] = []
    var i = up + 1
    while i < argv.count {
      let a = argv[i]
      if a == "--name" { i += 2; continue }
      if a.hasPrefix("--name=") || a == "--agent" { i += 1; continue }
      if a == "--manifests", i + 1 < argv.count {
        out += [a, absolute(argv[i + 1])]
        i += 2
        continue
      }
      out.append(a)
      i += 1
    }
    return out
  }

  /// Starts `ip ARGS` in a session of its own (it outlives this command), output to `log`.
  static func spawn(_ args: [String], log: String) throws -> Process {
    FileManager.default.createFile(atPath: log, contents: nil)
    let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: log))
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/setsid")
    p.arguments = ["/usr/sbin/ip"] + args
    p.standardOutput = handle
    p.standardError = handle
    p.standardInput = FileHandle.nullDevice
    try p.run()
    return p
  }
}

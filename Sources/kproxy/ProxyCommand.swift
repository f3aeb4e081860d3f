// `kproxy proxy`: the userspace proxy from manifests, one-shot: prints the service port → listen
// address mapping (--print-ports), or serves it until SIGTERM or SIGINT.
import ArgumentParser
import Dataplane
import Foundation
import KubeAPI
import KubeSource
import ServiceProxy
import UserspaceProxy

struct ProxyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "proxy",
    abstract: "Proxy the given services in userspace (no nftables, no privilege needed with --listen-address).",
    discussion: """
      Reads the manifests once, then serves until SIGTERM or SIGINT (exit status 0; 2 when a \
      listener cannot be opened). Each TCP and UDP service port gets listeners (its ClusterIP, \
      NodePorts and local external IPs; with --listen-address that one address at the service's \
      port, or one from --port-range) and balances connections round robin over its endpoints, \
      chosen as kube-proxy chooses them. SCTP ports are skipped with a warning.
      --print-ports prints the mapping and exits: one line per listener, `SERVICE-PORT LISTEN \
      SCOPE [why reassigned]`, or a JSON array with --json.
      Example: kproxy proxy --manifests cluster/ --listen-address 127.0.0.1 --print-ports
      """)

  @Option(
    name: .customLong("manifests"),
    help: ArgumentHelp(
      "A manifest file or folder (read recursively for .yaml, .yml and .json); repeatable; '-' reads standard input. Default: none.",
      valueName: "path"))
  var manifests: [String] = []

  @OptionGroup(title: "Node options") var node: NodeOptions
  @OptionGroup(title: "Userspace options") var userspace: UserspaceOptions

  @Flag(name: .customLong("print-ports"), help: "Print the service port → listen address mapping and exit.")
  var printPorts = false

  @Flag(name: .customLong("json"), help: "With --print-ports: print a JSON array.")
  var json = false

  func validate() throws {
    if json && !printPorts { throw ValidationError("--json needs --print-ports") }
  }

  func run() throws {
    let (ports, nodeConfig) = try load()
    let options = try userspace.planOptions(node: nodeConfig)
    let plan = ListenerPlan(ports, node: nodeConfig, options: options, previous: userspace.store.load())
    for w in plan.warnings { try Output.warn(w) }
    guard printPorts else { return try serve(plan, ports: ports) }
    try Output.write(json ? Self.json(plan) : Self.text(plan))
  }

  /// Serves `plan` until SIGTERM or SIGINT; exit status 2 when a listener cannot be opened.
  private func serve(_ plan: ListenerPlan, ports: [ServicePortInfo]) throws {
    do {
      try userspace.store.save(plan.assignments)
    } catch {
      try Output.warn("cannot save port assignments to \(userspace.store.path): \(error)")
    }
    let server = ProxyServer(
      settings: ProxySettings(events: { event in
        if case .allEndpointsFailed(let a, let tried) = event {
          Output.error("\(a): every endpoint failed (\(tried.map(\.description).joined(separator: ", "))); connection reset")
        }
      }))
    let binder = userspace.bindServiceIPs ? ServiceIPInterface() : nil
    let servicePorts = plan.table.ports.count
    let listeners = plan.table.ports.values.reduce(0) { $0 + $1.listeners.count }
    // One task from start to stop: a signal at any point ends in the same clean shutdown.
    let failure = try runBlocking(cancelOnSignals: true) { () async -> String? in
      var failure: String?
      do {
        try await binder?.bind(ListenerPlan.serviceIPs(ports))
        let report = await server.apply(plan.table)
        if report.failed.isEmpty {
          try Output.writeError("kproxy: serving \(servicePorts) service ports on \(listeners) listeners; SIGTERM or SIGINT stops")
          await untilCancelled()
        } else {
          failure = report.failed.keys.sorted().map { "cannot listen on \($0): \(report.failed[$0]!)" }.joined(separator: "; ")
        }
      } catch is CancellationError {
      } catch {
        failure = "\(error)"
      }
      await server.shutdown()
      await binder?.remove()
      return failure
    }
    if let failure { throw UserError(description: failure) }
  }

  /// Reads the manifests and reconciles them for the node.
  private func load() throws -> ([ServicePortInfo], NodeConfig) {
    let settings = try node.settings()
    let (config, overlaps) = try node.configuration(settings: settings)
    for w in overlaps { try Output.warn(w) }
    var skipped: [String] = []
    let objects: ObjectSet
    do {
      objects = try ManifestLoader().load(paths: manifests, warnings: &skipped)
    } catch {
      throw UserError(description: error.description)
    }
    for w in skipped + objects.notices { try Output.warn(w) }
    let nodeConfig = settings.resolve(config: config, objects: objects, systemHostname: ProcessInfo.processInfo.hostName)
    let state = Reconciler.reconcile(objects, node: nodeConfig)
    for w in state.warnings { try Output.warn(w) }
    return (state.servicePorts, nodeConfig)
  }

  /// One row per listener, sorted by service port then listen address.
  static func rows(_ plan: ListenerPlan) -> [(servicePort: String, listen: ListenAddress, scope: ListenerScope, note: String?)] {
    plan.table.ports.keys.sorted().flatMap { name in
      let p = plan.table.ports[name]!
      return p.listeners.keys.sorted().map { (PortAssignments.key(name), $0, p.listeners[$0]!, plan.reassigned[name]) }
    }
  }

  static func text(_ plan: ListenerPlan) -> String {
    let rows = rows(plan)
    let width = rows.map(\.servicePort.count).max() ?? 0
    let listenWidth = rows.map(\.listen.description.count).max() ?? 0
    func pad(_ s: String, _ n: Int) -> String { s + String(repeating: " ", count: max(0, n - s.count)) }
    return rows.map { r in
      let line = pad(r.servicePort, width) + "  " + pad(r.listen.description, listenWidth) + "  " + r.scope.rawValue
      return line + (r.note.map { "  " + $0 } ?? "") + "\n"
    }.joined()
  }

  static func json(_ plan: ListenerPlan) throws -> String {
    let objects: [[String: Any]] = rows(plan).map { r in
      var o: [String: Any] = [
        "servicePort": r.servicePort, "address": r.listen.ip.description, "port": r.listen.port,
        "protocol": r.listen.transport.rawValue, "scope": r.scope.rawValue,
      ]
      if let note = r.note { o["reassigned"] = note }
      return o
    }
    let data = try JSONSerialization.data(withJSONObject: objects, options: [.prettyPrinted, .sortedKeys])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}

// `kproxy sandbox`: a throwaway node with pods in network namespaces, built from manifests —
// up, exec, check, down — plus the hidden helpers it runs inside the namespaces (serve, probe).
import ArgumentParser
import Foundation
import NIOCore
import Sandbox
import Synchronization

struct SandboxCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sandbox",
    abstract: "A throwaway node with pods in network namespaces, programmed by kproxy, to try services with real traffic.",
    discussion: """
      `up` builds a node namespace, one namespace per endpoint IP (veth, routes; IPv4 and IPv6), \
      a client pod per family and an outside client, starts echo servers on every endpoint port \
      (TCP and UDP; each answers with the endpoint's address and the peer address it saw) and \
      programs the node through netlink, or runs `kproxy run` in it (--agent). `check` probes \
      every service address from a pod, the node and outside; `exec` runs a command in one of \
      the namespaces; `down` removes everything (`--all`: every sandbox, found by the `kpsb-` \
      namespace marker, also after a crash). Needs root.
      """,
    subcommands: [
      SandboxUp.self, SandboxCheckCommand.self, SandboxExec.self, SandboxDown.self, SandboxServe.self, SandboxProbeCommand.self,
    ])
}

/// The path of the running kproxy binary, to start helpers inside the namespaces.
enum SelfBinary {
  static var path: String { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0] }
}

struct SandboxCheckCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "check",
    abstract: "Probe every service address (ClusterIP, NodePort, external and LB IPs) from a pod, the node and outside.")

  @Option(help: "The sandbox.") var name: String
  @Option(help: "Connections or datagrams per probe.") var count = 12
  @Option(help: "Seconds each attempt may take (a DROP shows as a timeout).") var timeout = 1.0
  @Flag(help: "Print JSON.") var json = false

  func run() throws {
    let state = try SandboxCommand.load(name)
    let probes = state.plan.probes
    let results = Mutex<[Int: Result<SandboxCheckRow, Error>]>([:])
    let (name, count, timeout) = (name, count, timeout)
    // Probes run side by side (one per core); each is a helper process inside the source namespace.
    DispatchQueue.concurrentPerform(iterations: probes.count) { i in
      let p = probes[i]
      let result = Result { try SandboxCommand.probe(p, count: count, timeout: timeout) }
      results.withLock { $0[i] = result }
    }
    var done: [SandboxCheckRow] = []
    for i in probes.indices {
      switch results.withLock({ $0[i] }) {
      case .success(let row)?: done.append(row)
      case .failure(let e)?: throw UserError(description: "sandbox \(name): a probe failed: \(e)")
      case nil: throw UserError(description: "sandbox \(name): probe \(i) did not run")
      }
    }
    try Output.write(
      json ? try SandboxCheckReport.json(done, notes: state.plan.notes) : SandboxCheckReport.text(done, notes: state.plan.notes))
  }
}

struct SandboxExec: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "exec", abstract: "Run a command in a sandbox namespace: --as node, outside, client, client6 or a pod IP.")

  @Option(help: "The sandbox.") var name: String
  @Option(name: .customLong("as"), help: "node, outside, client (client6) or the IP of a pod.") var who: String
  @Argument(parsing: .captureForPassthrough, help: "The command and its arguments (after --).") var command: [String] = []

  func run() throws {
    let state = try SandboxCommand.load(name)
    guard let ns = state.plan.namespace(for: who) else {
      throw UserError(description: SandboxError.unknownMember(sandbox: name, who: who).description)
    }
    let args = command.first == "--" ? Array(command.dropFirst()) : command
    guard !args.isEmpty else { throw ValidationError("give the command to run after --") }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
    p.arguments = ["netns", "exec", ns] + args
    try p.run()
    p.waitUntilExit()
    if p.terminationStatus != 0 { throw ExitCode(p.terminationStatus) }
  }
}

struct SandboxDown: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "down", abstract: "Remove a sandbox (or all with --all): its processes, namespaces and state.")

  @Option(help: "The sandbox.") var name: String?
  @Flag(help: "Remove every sandbox, found by the kpsb- namespace marker (also leftovers of a crashed run).") var all = false

  func validate() throws {
    if (name == nil) == !all { throw ValidationError("give --name NAME or --all") }
    if let name { try SandboxNames.validate(name) }
  }

  func run() throws {
    let removed = SandboxNetwork.remove(all ? nil : name)
    try Output.write("kproxy: removed \(removed.count) namespaces\n")
  }
}

struct SandboxServe: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve", abstract: "(internal) echo servers inside a sandbox pod.", shouldDisplay: false)

  @Option(help: "tcp|udp:IP:PORT; repeatable.") var listen: [String] = []

  func run() throws {
    let listens = try listen.map { spec -> EchoListen in
      let parts = spec.split(separator: ":", maxSplits: 1)
      guard parts.count == 2, let t = EchoListen.Transport(rawValue: String(parts[0])), let colon = parts[1].lastIndex(of: ":"),
        let port = Int(parts[1][parts[1].index(after: colon)...])
      else { throw ValidationError("--listen \(spec): expected tcp|udp:IP:PORT") }
      return EchoListen(ip: String(parts[1][..<colon]), port: port, transport: t)
    }
    Task {
      do {
        try await EchoServer.serve(listens) { try? Output.write("ready\n") }
      } catch {
        Output.error("echo server: \(error)")
        Foundation.exit(ExitStatus.failure)
      }
    }
    while true { sleep(3600) }
  }
}

struct SandboxProbeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "probe", abstract: "(internal) probes from inside a sandbox namespace.", shouldDisplay: false)

  @Option(help: "IP:PORT or [IPv6]:PORT.") var to: String
  @Option var transport: EchoListen.Transport = .tcp
  @Option var count = 12
  @Option var timeout = 1.0

  func run() throws {
    guard let (address, port) = TraceAddresses.hostPort(to), let target = try? SocketAddress(ipAddress: "\(address)", port: Int(port))
    else {
      throw ValidationError("--to \(to): not IP:PORT or [IPv6]:PORT")
    }
    let (count, timeout, transport) = (count, timeout, transport)
    let lines = try runBlocking {
      var lines: [String] = []
      for _ in 0..<count {
        lines.append(await ProbeClient.attempt(to: target, transport: transport, timeout: .milliseconds(Int64(timeout * 1000))))
      }
      return lines
    }
    try Output.write(lines.map { $0 + "\n" }.joined())
  }
}

extension EchoListen.Transport: ExpressibleByArgument {}

extension SandboxCommand {
  static func load(_ name: String) throws -> SandboxState {
    do { return try SandboxState.load(name) } catch let e as SandboxError { throw UserError(description: e.description) }
  }

  /// Runs `probe` from its namespace (`kproxy sandbox probe` inside it) and tallies the answers.
  static func probe(_ probe: SandboxProbe, count: Int, timeout: Double) throws -> SandboxCheckRow {
    let out: String
    do {
      out = try SandboxShell.run([
        "ip", "netns", "exec", probe.namespace, SelfBinary.path, "sandbox", "probe", "--to", probe.targetText, "--transport",
        probe.transport.rawValue, "--count", String(count), "--timeout", String(timeout),
      ])
    } catch {
      throw UserError(description: error.description)
    }
    return SandboxCheckRow(probe: probe, lines: out.split(separator: "\n").map(String.init))
  }
}

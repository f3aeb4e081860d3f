// `kproxy run` as a background process for the agent packet tests (root namespace, --netns the
// topology's node; stderr to a file that the tests read), and polls for traffic convergence.
import Foundation

/// One running `kproxy run`; `stop()` sends SIGTERM, `kill()` SIGKILL (both safe to repeat).
public final class AgentProcess {
  public let process: Process
  public let logURL: URL

  private init(process: Process, logURL: URL) {
    self.process = process
    self.logURL = logURL
  }

  /// The node options of the topology (as KproxyCompiler passes them) for `kproxy run`.
  public static var nodeArguments: [String] {
    typealias A = TopologyAddresses
    return [
      "--hostname-override", KproxyCompiler.hostname, "--node-ip", A.nodeIPv4, "--node-ip", A.nodeIPv6,
      "--cluster-cidr", A.clusterCIDRs, "--service-cidr", A.serviceCIDRs,
    ]
  }

  /// Starts `kproxy run --netns <topology node> <sources>` with HTTP servers on free loopback
  /// ports and a short minimum sync period; `nodeArguments` default to the topology's node.
  public static func start(node namespace: String, sources: [String], nodeArguments: [String]? = nil) throws -> AgentProcess {
    let logURL = FileManager.default.temporaryDirectory.appendingPathComponent("kp-agent-\(UUID().uuidString).log")
    FileManager.default.createFile(atPath: logURL.path, contents: nil)
    let log = try FileHandle(forWritingTo: logURL)
    defer { try? log.close() }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try PacketTestPaths.kproxyBinary())
    process.arguments =
      ["run", "--netns", namespace] + sources + (nodeArguments ?? Self.nodeArguments) + [
        "--healthz-bind-address", "127.0.0.1:0", "--metrics-bind-address", "127.0.0.1:0", "--min-sync-period", "100ms",
      ]
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = log
    try process.run()
    return AgentProcess(process: process, logURL: logURL)
  }

  /// Everything the agent wrote to stderr so far.
  public var log: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

  /// The log's last lines, for failure messages.
  public var logTail: String { log.split(separator: "\n").suffix(15).joined(separator: "\n") }

  /// Completed syncs so far (each logged as "sync N (cause): full|partial, …").
  public var syncLines: [String] {
    log.split(separator: "\n").map(String.init).filter { $0.contains(": sync ") && ($0.contains("): full") || $0.contains("): partial")) }
  }

  /// Waits until the log satisfies `condition`; throws with the log's tail after `within` seconds.
  public func waitForLog(_ what: String, within: Double = 10, _ condition: (String) -> Bool) throws {
    let deadline = Date().addingTimeInterval(within)
    while Date() < deadline {
      if condition(log) { return }
      if !process.isRunning {
        throw CommandFailure(description: "kproxy run exited (\(process.terminationStatus)) before \(what):\n\(logTail)")
      }
      usleep(20_000)
    }
    throw CommandFailure(description: "no \(what) within \(within) s:\n\(logTail)")
  }

  /// The port a server logged as "<what> on 127.0.0.1:PORT" (waits for the line).
  public func port(of what: String) throws -> Int {
    let marker = "\(what) on 127.0.0.1:"
    try waitForLog("\(what) port") { $0.contains(marker) }
    let rest = log.components(separatedBy: marker)[1]
    guard let port = Int(rest.prefix { $0.isNumber }) else { throw CommandFailure(description: "no port after \(marker): \(logTail)") }
    return port
  }

  /// Waits for the first sync (every source delivered its initial state).
  public func waitForFirstSync() throws {
    try waitForLog("first sync") { _ in !syncLines.isEmpty }
  }

  /// SIGTERM, then waits (at most 10 s) for the exit status.
  @discardableResult
  public func stop() -> Int32? {
    if process.isRunning { Foundation.kill(process.processIdentifier, SIGTERM) }
    let deadline = Date().addingTimeInterval(10)
    while process.isRunning && Date() < deadline { usleep(10_000) }
    if process.isRunning {
      kill()
      return nil
    }
    return process.terminationStatus
  }

  /// SIGKILL and wait; also removes the log file.
  public func kill() {
    if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
    process.waitUntilExit()
  }

  deinit {
    kill()
    try? FileManager.default.removeItem(at: logURL)
  }
}

/// Polls real traffic until it matches what the agent should have programmed.
public enum AgentTraffic {
  /// Waits (at most `within` s) until TCP connections from `namespace` to `host`:`port` are all
  /// answered, by exactly the servers `expected`.
  public static func waitForServers(
    _ expected: Set<String>, in t: Topology, from namespace: String, to host: String, port: Int = 80, agent: AgentProcess,
    within: Double = 10
  ) throws {
    let deadline = Date().addingTimeInterval(within)
    var last: [Attempt] = []
    repeat {
      last = try TrafficClient.send(in: t, from: namespace, .tcp, to: host, port: port, count: 5 * expected.count, timeout: 0.5)
      if last.errors.isEmpty && Set(last.countsByServer.keys) == expected { return }
      usleep(50_000)
    } while Date() < deadline
    throw CommandFailure(
      description: "\(host):\(port) not answered by exactly \(expected.sorted()) within \(within) s: \(last.summary)\n\(agent.logTail)")
  }

  /// Waits until no connection to `host`:`port` is answered (no DNAT: every attempt fails).
  public static func waitForNoService(
    in t: Topology, from namespace: String, to host: String, port: Int = 80, agent: AgentProcess, within: Double = 10
  ) throws {
    let deadline = Date().addingTimeInterval(within)
    var last: [Attempt] = []
    repeat {
      last = try TrafficClient.send(in: t, from: namespace, .tcp, to: host, port: port, count: 3, timeout: 0.5)
      if last.allSatisfy({ $0.error != nil }) { return }
      usleep(50_000)
    } while Date() < deadline
    throw CommandFailure(description: "\(host):\(port) still answered after \(within) s: \(last.summary)\n\(agent.logTail)")
  }

  /// An HTTP GET on 127.0.0.1 (kproxy's own namespace): status and body.
  public static func get(port: Int, path: String) throws -> (status: Int, body: String) {
    let result = try Command.run(
      ["curl", "-s", "-m", "3", "-w", "\n%{http_code}", "http://127.0.0.1:\(port)\(path)"], timeout: 10)
    var lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    let status = Int(lines.popLast() ?? "") ?? 0
    return (status, lines.joined(separator: "\n"))
  }
}

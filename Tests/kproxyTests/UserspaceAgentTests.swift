// End to end, the userspace mode: `kproxy run --mode userspace --bind-service-ips` inside a
// scratch namespace proxies real traffic as manifest files change; --mode auto picks nftables
// where netlink works and falls back to userspace (log line, metric) without CAP_NET_ADMIN.
import Foundation
import PacketTestSupport
import Testing

@Suite("userspace mode end to end", .packetTestsEnabled, .serialized)
struct UserspaceAgentTests {
  /// A namespace with loopback up and the pod addresses on it; removed (with its processes) at the end.
  final class Netns {
    let name = "kpu-\(getpid())-\(UUID().uuidString.prefix(6))"
    var processes: [Process] = []
    init() throws {
      try Command.must(["ip", "netns", "add", name])
      try Command.must(["ip", "-n", name, "link", "set", "lo", "up"])
      for a in ["10.244.0.10/32", "10.244.0.11/32"] { try Command.must(["ip", "-n", name, "address", "add", a, "dev", "lo"]) }
    }
    deinit {
      for p in processes where p.isRunning { kill(p.processIdentifier, SIGKILL) }
      _ = try? Command.run(["ip", "netns", "del", name])
    }
    func exec(_ argv: [String]) -> [String] { ["ip", "netns", "exec", name] + argv }

    /// `kproxy ARGS` in the namespace with stderr to a file.
    func kproxy(_ args: [String], prefix: [String] = []) throws -> (Process, String) {
      let log = FileManager.default.temporaryDirectory.appendingPathComponent("kpu-\(UUID().uuidString).log").path
      let binary = try PacketTestPaths.kproxyBinary()
      let argv = exec(prefix + [binary] + args)
      let p = try Command.spawn(["sh", "-c", "exec \"$@\" 2> \"$0\"", log] + argv)
      processes.append(p)
      return (p, log)
    }

    func echo(_ ip: String) throws {
      processes.append(try Command.spawn(exec(["python3", PacketTestPaths.echoServer, "--bind", ip, "--port", "8080", "--tcp"])))
    }

    /// One TCP exchange with `ip:port` from inside the namespace: the echo line, or the error.
    func ask(_ ip: String, _ port: Int) throws -> String {
      let script = """
        import socket, sys
        try:
            c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=2)
            print(c.makefile().readline().strip())
        except Exception as e:
            print('error', type(e).__name__)
        """
      return try Command.run(exec(["python3", "-c", script, ip, String(port)])).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func waitFor(_ ip: String, _ port: Int, within: Double = 15, _ condition: (String) -> Bool) throws -> String {
      let end = Date().addingTimeInterval(within)
      var last = ""
      while Date() < end {
        last = try ask(ip, port)
        if condition(last) { return last }
        usleep(100_000)
      }
      return last
    }
  }

  static func manifests(endpoint: String) -> String {
    """
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: default}
    spec:
      clusterIP: 10.96.0.10
      ports: [{name: http, port: 80, targetPort: 8080}]
    ---
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata: {name: web-1, namespace: default, labels: {kubernetes.io/service-name: web}}
    addressType: IPv4
    ports: [{name: http, port: 8080, protocol: TCP}]
    endpoints: [{addresses: [\(endpoint)], conditions: {ready: true}}]

    """
  }

  static func log(_ path: String) -> String { (try? String(contentsOfFile: path, encoding: .utf8)) ?? "" }

  @Test func userspaceModeFollowsManifestFiles() throws {
    let ns = try Netns()
    try ns.echo("10.244.0.10")
    try ns.echo("10.244.0.11")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kpu-manifests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("web.yaml")
    try Self.manifests(endpoint: "10.244.0.10").write(to: file, atomically: true, encoding: .utf8)
    let (agent, log) = try ns.kproxy([
      "run", "--mode", "userspace", "--bind-service-ips", "--manifests", dir.path, "--hostname-override", "n1",
      "--healthz-bind-address", "", "--metrics-bind-address", "", "--min-sync-period", "100ms",
    ])
    let first = try ns.waitFor("10.96.0.10", 80) { $0.hasPrefix("server=10.244.0.10:8080") }
    #expect(first.hasPrefix("server=10.244.0.10:8080"), "\(first)\n\(Self.log(log))")
    #expect(Self.log(log).contains("mode userspace (--mode userspace)"), "\(Self.log(log))")
    // The endpoint moves: new connections go to the new one.
    try Self.manifests(endpoint: "10.244.0.11").write(to: file, atomically: true, encoding: .utf8)
    let moved = try ns.waitFor("10.96.0.10", 80) { $0.hasPrefix("server=10.244.0.11:8080") }
    #expect(moved.hasPrefix("server=10.244.0.11:8080"), "\(moved)\n\(Self.log(log))")
    // The service goes: its listener closes.
    try FileManager.default.removeItem(at: file)
    let gone = try ns.waitFor("10.96.0.10", 80) { $0.hasPrefix("error") }
    #expect(gone.hasPrefix("error"), "\(gone)")
    kill(agent.processIdentifier, SIGTERM)
    agent.waitUntilExit()
    #expect(agent.terminationStatus == 0, "\(Self.log(log))")
    // kproxy0 and its addresses are gone with the agent.
    #expect(try Command.run(["ip", "-n", ns.name, "link", "show", "kproxy0"]).status != 0)
  }

  @Test func autoModeProbesBothWays() throws {
    let ns = try Netns()
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kpu-manifests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try Self.manifests(endpoint: "10.244.0.10").write(to: dir.appendingPathComponent("web.yaml"), atomically: true, encoding: .utf8)
    let common = [
      "run", "--manifests", dir.path, "--hostname-override", "n1", "--healthz-bind-address", "", "--metrics-bind-address", "127.0.0.1:0",
      "--listen-address", "127.0.0.1", "--state-dir", dir.path + "/state",
    ]
    // Root in a namespace: netlink works, nftables is chosen.
    let (nft, nftLog) = try ns.kproxy(common)
    let nftText = CLIRunTests.waitFor(nftLog) { $0.contains("metrics on") }
    #expect(nftText.contains("mode nftables (--mode auto: nf_tables can be programmed)"), "\(nftText)")
    kill(nft.processIdentifier, SIGTERM)
    nft.waitUntilExit()
    // Without CAP_NET_ADMIN (dropped from the bounding set): the probe is refused, userspace runs.
    try ns.echo("10.244.0.10")
    let (user, userLog) = try ns.kproxy(common, prefix: ["setpriv", "--bounding-set", "-net_admin", "--inh-caps", "-net_admin"])
    let text = CLIRunTests.waitFor(userLog) { $0.contains("metrics on") }
    #expect(text.contains("mode userspace (--mode auto: nf_tables cannot be programmed here: "), "\(text)")
    let reply = try ns.waitFor("127.0.0.1", 80) { $0.hasPrefix("server=10.244.0.10:8080") }
    #expect(reply.hasPrefix("server=10.244.0.10:8080"), "\(reply)\n\(Self.log(userLog))")
    let port = text.components(separatedBy: "metrics on 127.0.0.1:").last?.prefix { $0.isNumber } ?? ""
    let metrics = try Command.run(
      ns.exec([
        "python3", "-c", "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())",
        "http://127.0.0.1:\(port)/metrics",
      ]))
    #expect(metrics.stdout.contains("kproxy_proxy_mode{mode=\"userspace\",reason=\"permission-denied\"} 1.0"), "\(metrics.stdout)")
    #expect(metrics.stdout.contains("kproxy_userspace_connections_total{service_port=\"default/web:http/TCP\"} "), "\(metrics.stdout)")
    // Connections made after the last sync are counted on /metrics within a couple of seconds.
    func connectionsTotal() throws -> Double {
      let text = try Command.run(
        ns.exec([
          "python3", "-c", "import urllib.request,sys; print(urllib.request.urlopen(sys.argv[1]).read().decode())",
          "http://127.0.0.1:\(port)/metrics",
        ])
      ).stdout
      let line = text.split(separator: "\n").first {
        $0.hasPrefix("kproxy_userspace_connections_total{service_port=\"default/web:http/TCP\"} ")
      }
      return Double(line?.split(separator: " ").last ?? "") ?? -1
    }
    let before = try connectionsTotal()
    for _ in 0..<5 { _ = try ns.waitFor("127.0.0.1", 80) { $0.hasPrefix("server=") } }
    var after = try connectionsTotal()
    let deadline = Date().addingTimeInterval(5)
    while after < before + 5 && Date() < deadline {
      usleep(200_000)
      after = try connectionsTotal()
    }
    #expect(after >= before + 5, "connections_total \(before) -> \(after)")
    kill(user.processIdentifier, SIGTERM)
    user.waitUntilExit()
    #expect(user.terminationStatus == 0)
  }

  @Test func proxyCommandServesUntilSIGTERM() throws {
    let ns = try Netns()
    try ns.echo("10.244.0.11")
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kpu-manifests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let file = dir.appendingPathComponent("web.yaml")
    try Self.manifests(endpoint: "10.244.0.11").write(to: file, atomically: true, encoding: .utf8)
    let (proxy, log) = try ns.kproxy([
      "proxy", "--manifests", file.path, "--hostname-override", "n1", "--listen-address", "127.0.0.1", "--state-dir", dir.path,
    ])
    let reply = try ns.waitFor("127.0.0.1", 80) { $0.hasPrefix("server=10.244.0.11:8080") }
    #expect(reply.hasPrefix("server=10.244.0.11:8080"), "\(reply)\n\(Self.log(log))")
    #expect(Self.log(log).contains("kproxy: serving 1 service ports on 1 listeners; SIGTERM or SIGINT stops"), "\(Self.log(log))")
    kill(proxy.processIdentifier, SIGTERM)
    proxy.waitUntilExit()
    #expect(proxy.terminationStatus == 0)
    #expect(try ns.ask("127.0.0.1", 80).hasPrefix("error"))
  }
}

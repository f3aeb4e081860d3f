// `kproxy sandbox` end to end as root: up from the demo manifests, check with real traffic
// (endpoints, masquerade), exec, down; the agent following a file change; and a killed `up`
// whose leftovers `down` still finds by the namespace marker.
import Foundation
import PacketTestSupport
import Testing

@Suite("kproxy sandbox", .packetTestsEnabled)
struct SandboxCommandTests {
  static func kproxy(_ args: [String]) throws -> CommandResult {
    try Command.run([try PacketTestPaths.kproxyBinary()] + args, timeout: 120)
  }
  static func uniqueName(_ tag: String) -> String { "t\(getpid() % 100000)\(tag)" }
  static func namespaces(_ name: String) throws -> [String] {
    try Command.run(["ip", "netns", "list"]).check().lines.compactMap { $0.split(separator: " ").first.map(String.init) }
      .filter { $0.hasPrefix("kpsb-\(name)-") }
  }

  /// Whether `pid` is a process that has not exited (a zombie has).
  static func alive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = stat.lastIndex(of: ")")
    else { return false }
    return stat[stat.index(close, offsetBy: 2)] != "Z"
  }

  /// `check --json` as (service port, kind, from) → (endpoints answered, masquerade, errors).
  static func check(_ name: String) throws -> [String: (endpoints: Set<String>, masquerade: Bool, errors: Set<String>)] {
    let r = try kproxy(["sandbox", "check", "--name", name, "--json", "--count", "10"]).check()
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    var out: [String: (Set<String>, Bool, Set<String>)] = [:]
    for p in doc?["probes"] as? [[String: Any]] ?? [] {
      let probe = p["probe"] as? [String: Any] ?? [:]
      let key = "\(probe["servicePort"] ?? "") \(probe["kind"] ?? "") \(probe["from"] ?? "")"
      out[key] = (
        Set((p["endpoints"] as? [String: Int] ?? [:]).keys), p["masquerade"] as? Bool ?? false,
        Set((p["errors"] as? [String: Int] ?? [:]).keys)
      )
    }
    return out
  }

  @Test func upCheckExecAndDownOnTheDemo() throws {
    let name = Self.uniqueName("a")
    defer { _ = try? Self.kproxy(["sandbox", "down", "--name", name]) }
    let root = PacketTestPaths.packageRoot.path
    try Self.kproxy([
      "sandbox", "up", "--name", name, "--manifests", root + "/fixtures/demo/manifests", "--config", root + "/fixtures/demo/config.yaml",
    ]).check()
    #expect(try Self.namespaces(name).count == 8)
    let c = try Self.check(name)
    let web = ["10.244.0.21:8080", "10.244.1.22:8080"] as Set
    #expect(c["shop/web:http (tcp) ClusterIP pod"]?.endpoints == web)
    #expect(c["shop/web:http (tcp) ClusterIP pod"]?.masquerade == false)
    #expect(c["shop/web:http (tcp) ClusterIP node"]?.masquerade == true)
    #expect(c["shop/web:http (tcp) NodePort outside"]?.endpoints == web)
    #expect(c["shop/web:http (tcp) NodePort outside"]?.masquerade == true)
    #expect(c["kube-system/kube-dns:dns (udp) ClusterIP pod"]?.endpoints == ["10.244.0.5:53", "10.244.1.7:53"])
    #expect(c["default/kubernetes:https (tcp) ClusterIP pod"]?.endpoints == ["192.168.1.10:6443"])
    #expect(c.values.allSatisfy { $0.errors.isEmpty })
    let tables = try Self.kproxy(["sandbox", "exec", "--name", name, "--as", "node", "--", "nft", "list", "tables"]).check()
    #expect(tables.stdout.contains("table ip kproxy"))
    let text = try Self.kproxy(["sandbox", "check", "--name", name]).check().stdout
    #expect(text.hasPrefix("SERVICE PORT"))
    #expect(text.contains("NodePort   outside  192.168.1.10:30080  "))
    try Self.kproxy(["sandbox", "down", "--name", name]).check()
    #expect(try Self.namespaces(name).isEmpty)
    #expect(try Self.kproxy(["sandbox", "check", "--name", name]).status == 2)
  }

  @Test func theAgentFollowsAnEndpointRemovedFromTheFiles() throws {
    let name = Self.uniqueName("b")
    defer { _ = try? Self.kproxy(["sandbox", "down", "--name", name]) }
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kp-sandbox-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let slice = { (ips: [String]) in
      """
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: shop}
      spec:
        clusterIP: 10.96.0.50
        ports: [{name: http, port: 80, targetPort: 8080}]
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
      addressType: IPv4
      endpoints:
      \(ips.map { "- {addresses: [\($0)], conditions: {ready: true}}" }.joined(separator: "\n"))
      ports: [{name: http, port: 8080}]
      """
    }
    let file = dir.appendingPathComponent("web.yaml")
    try slice(["10.244.0.11", "10.244.0.12"]).write(to: file, atomically: true, encoding: .utf8)
    try Self.kproxy([
      "sandbox", "up", "--name", name, "--agent", "--manifests", dir.path, "--node-ip", "192.168.7.2", "--cluster-cidr", "10.244.0.0/16",
    ]).check()
    #expect(try Self.check(name)["shop/web:http (tcp) ClusterIP pod"]?.endpoints == ["10.244.0.11:8080", "10.244.0.12:8080"])
    try slice(["10.244.0.12"]).write(to: file, atomically: true, encoding: .utf8)
    var seen: Set<String>? = nil
    for _ in 0..<50 {
      seen = try Self.check(name)["shop/web:http (tcp) ClusterIP pod"]?.endpoints
      if seen == ["10.244.0.12:8080"] { break }
      usleep(100_000)
    }
    #expect(seen == ["10.244.0.12:8080"])
  }

  @Test func downRemovesTheLeftoversOfAKilledUp() throws {
    let name = Self.uniqueName("c")
    let root = PacketTestPaths.packageRoot.path
    let up = try Command.spawn([
      try PacketTestPaths.kproxyBinary(), "sandbox", "up", "--name", name, "--agent", "--manifests", root + "/fixtures/demo/manifests",
      "--config", root + "/fixtures/demo/config.yaml",
    ])
    // Kill `up` as soon as its echo servers run (before it has programmed the node or saved their pids).
    var pids: [Int32] = []
    for _ in 0..<200 where pids.isEmpty {
      usleep(20_000)
      if let ns = try Self.namespaces(name).first(where: { $0.hasSuffix("-p0") }) {
        pids = try Command.run(["ip", "netns", "pids", ns]).lines.compactMap { Int32($0) }
      }
    }
    kill(up.processIdentifier, SIGKILL)
    up.waitUntilExit()
    #expect(!pids.isEmpty, "the echo server of the first pod never started")
    #expect(try !Self.namespaces(name).isEmpty)
    try Self.kproxy(["sandbox", "down", "--name", name]).check()
    #expect(try Self.namespaces(name).isEmpty)
    // SIGKILLed processes may take a moment to go (and stay zombies until reaped): wait for that.
    var running = pids
    for _ in 0..<40 where !running.isEmpty {
      running = running.filter(Self.alive)
      usleep(50_000)
    }
    #expect(running.isEmpty, "processes of the sandbox still run: \(running)")
  }
}

/// `make demo`'s script as root: the sandbox story in order, and nothing left behind.
@Suite("make demo", .packetTestsEnabled)
struct DemoScriptTests {
  @Test func theDemoShowsSpreadingMasqueradeTakeoverAndTheIncrementalChange() throws {
    let script = PacketTestPaths.packageRoot.appendingPathComponent("scripts/demo.sh").path
    let r = try Command.run(["bash", script, try PacketTestPaths.kproxyBinary()], timeout: 120).check()
    let out = r.stdout
    func after(_ heading: String) -> Substring { out[(out.range(of: heading)?.upperBound ?? out.endIndex)...] }
    // A ClusterIP spreading over both ready web pods, the NodePort masqueraded.
    let first = after("== Every service port probed")
    #expect(first.contains("10.96.12.34:80      10.244.0.21:8080 ×") && first.contains(", 10.244.1.22:8080 ×"))
    #expect(first.contains(#/NodePort   outside  192\.168\.1\.10:30080  10\.244\.0\.21:8080 ×\d+, 10\.244\.1\.22:8080 ×\d+; masqueraded/#))
    #expect(after("== Why: kproxy trace").contains("1/2     DNAT to 10.244.0.21:8080, masquerade"))
    // status: the web port's destinations and a counter that saw the probes.
    let status = after("== What is programmed now")
    #expect(status.contains("ip kproxy: 4 service ports, counters on"))
    #expect(status.contains(#/shop/web:http +10\.96\.12\.34:80/tcp +10\.244\.0\.21:8080 10\.244\.1\.22:8080 +[1-9]\d* +[1-9]\d*/#))
    // Then only the terminating endpoint answers.
    let takeover = after("the terminating one takes over")
    #expect(takeover.contains("ClusterIP  pod      10.96.12.34:80      10.244.2.23:8080 ×12; source kept"))
    #expect(
      after("as dry-run nft text").contains("add element ip kproxy endpoints-1 {\n\t10.96.12.34 . tcp . 80 . 0 : 10.244.2.23 . 8080\n}"))
    let left = try Command.run(["ip", "netns", "list"]).check().stdout
    #expect(!left.contains("kpsb-demo"), "the demo left namespaces: \(left)")
  }
}

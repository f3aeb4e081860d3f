// `--counters` and `kproxy status` end to end as root: the agent programs a counter per service
// port, real connections move it, /metrics and `status` show it, learned affinity shows in
// `status`, and neither an incremental sync nor a restart of the agent resets a counter.
import Foundation
import PacketTestSupport
import Testing

@Suite("counters and status", .packetTestsEnabled)
struct CounterStatusTests {
  static func kproxy(_ args: [String]) throws -> CommandResult {
    try Command.run([try PacketTestPaths.kproxyBinary()] + args, timeout: 60)
  }

  /// `status --json` of the namespace: service port name → (counter packets, routes as
  /// destination → endpoints, learned clients per endpoint).
  static func status(_ namespace: String) throws -> [String: (packets: Int, routes: [String: [String]], learned: [String: Int])] {
    let r = try kproxy(["status", "--netns", namespace, "--json"]).check()
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    var out: [String: (Int, [String: [String]], [String: Int])] = [:]
    for table in doc?["tables"] as? [[String: Any]] ?? [] {
      for p in table["servicePorts"] as? [[String: Any]] ?? [] {
        let counter = p["counter"] as? [String: Any]
        var routes: [String: [String]] = [:]
        for route in p["routes"] as? [[String: Any]] ?? [] {
          routes[route["destination"] as? String ?? ""] = (route["endpoints"] as? [String]) ?? [route["target"] as? String ?? ""]
        }
        var learned: [String: Int] = [:]
        for a in p["affinity"] as? [[String: Any]] ?? [] { learned[a["endpoint"] as? String ?? ""] = a["learnedClients"] as? Int }
        out["\(table["table"] ?? "") \(p["name"] ?? "")"] = ((counter?["packets"] as? Int) ?? -1, routes, learned)
      }
    }
    return out
  }

  static func scrape(_ agent: AgentProcess, _ series: String) throws -> Double? {
    let body = try AgentTraffic.get(port: try agent.port(of: "metrics"), path: "/metrics").body
    return body.split(separator: "\n").first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last ?? "") }
  }

  @Test("counters move with traffic, show on /metrics and in status, and survive syncs and restarts")
  func countersAndStatus() throws {
    try AgentPacketTests.withTopology(pods: 2) { t in
      try AgentPacketTests.withFolder { dir in
        let p0 = t.pods[0].ipv4
        let p1 = t.pods[1].ipv4
        let client = t.pods[1].namespace
        var web = ServiceManifest(name: "web", clusterIP: "10.96.0.40", protocols: [.tcp], endpoints: [(p0, KproxyCompiler.hostname)])
        let sticky = ServiceManifest(
          name: "sticky", clusterIP: "10.96.0.41", protocols: [.tcp], sessionAffinity: "ClientIP",
          endpoints: [(p0, KproxyCompiler.hostname)])
        try AgentPacketTests.write(web.yaml + "---\n" + sticky.yaml, to: dir.appendingPathComponent("svc.yaml"))
        var agent = try AgentProcess.start(node: t.node, sources: ["--manifests", dir.path, "--counters"])
        defer { agent.kill() }
        try agent.waitForFirstSync()
        try EchoServer.start(in: t, pod: t.pods[0], ip: p0, port: 8080)
        try EchoServer.start(in: t, pod: t.pods[1], ip: p1, port: 8080)
        try AgentTraffic.waitForServers([p0], in: t, from: client, to: "10.96.0.40", agent: agent)
        let sent = try TrafficClient.send(in: t, from: client, .tcp, to: "10.96.0.40", port: 80, count: 20, timeout: 1)
        #expect(sent.errors.isEmpty, "\(sent.summary)")
        _ = try TrafficClient.send(in: t, from: client, .tcp, to: "10.96.0.41", port: 80, count: 3, timeout: 1)

        // /metrics follows within the agent's refresh period.
        let series = "kproxy_service_packets_total{namespace=\"default\",name=\"web\",port=\"tcp\"}"
        var scraped: Double?
        for _ in 0..<50 {
          scraped = try Self.scrape(agent, series)
          if let scraped, scraped >= 20 { break }
          usleep(100_000)
        }
        #expect((scraped ?? 0) >= 20, "\(series) = \(String(describing: scraped))\n\(agent.logTail)")
        #expect(try Self.scrape(agent, "kproxy_service_bytes_total{namespace=\"default\",name=\"web\",port=\"tcp\"}") ?? 0 > 0)

        var s = try Self.status(t.node)
        let first = try #require(s["ip kproxy default/web:tcp"])
        #expect(first.packets >= 20)
        #expect(first.routes["10.96.0.40:80/tcp"] == ["\(p0):8080"])
        #expect(s["ip kproxy default/sticky:tcp"]?.learned["\(p0):8080"] == 1, "the client pod is remembered")
        let text = try Self.kproxy(["status", "--netns", t.node]).check().stdout
        #expect(text.contains("counters on"))
        #expect(text.contains("default/web:tcp"))
        #expect(text.contains("10.96.0.40:80/tcp"))

        // An incremental sync (a second endpoint) keeps the counter.
        web.endpoints.append((p1, KproxyCompiler.hostname))
        try AgentPacketTests.write(web.yaml + "---\n" + sticky.yaml, to: dir.appendingPathComponent("svc.yaml"))
        try AgentTraffic.waitForServers([p0, p1], in: t, from: client, to: "10.96.0.40", agent: agent)
        s = try Self.status(t.node)
        let afterSync = try #require(s["ip kproxy default/web:tcp"])
        #expect(afterSync.packets > first.packets)
        #expect(Set(afterSync.routes["10.96.0.40:80/tcp"] ?? []) == ["\(p0):8080", "\(p1):8080"])

        // A restarted agent adopts the tables: the counter keeps counting from where it was.
        #expect(agent.stop() == 0, "\(agent.logTail)")
        agent = try AgentProcess.start(node: t.node, sources: ["--manifests", dir.path, "--counters"])
        try agent.waitForFirstSync()
        s = try Self.status(t.node)
        #expect((s["ip kproxy default/web:tcp"]?.packets ?? 0) >= afterSync.packets)
        #expect(agent.stop() == 0, "\(agent.logTail)")
      }
    }
  }

  @Test("apply adds counters to programmed rules and removes them again, in one transaction each")
  func applyTogglesCounters() throws {
    let ns = "kpct-\(getpid() % 100000)"
    try Command.run(["ip", "netns", "add", ns]).check()
    defer { _ = try? Command.run(["ip", "netns", "del", ns]) }
    let root = PacketTestPaths.packageRoot.path
    let input = ["--manifests", root + "/fixtures/demo/manifests", "--config", root + "/fixtures/demo/config.yaml"]
    func counters() throws -> Int {
      try Command.run(["ip", "netns", "exec", ns, "nft", "list", "counters"]).check().lines.filter { $0.hasPrefix("\tcounter ") }.count
    }
    for withCounters in [false, true, false, true] {
      try Self.kproxy(["apply", "--netns", ns] + input + (withCounters ? ["--counters"] : [])).check()
      #expect(try counters() == (withCounters ? 4 : 0))
      // Nothing left to do: the kernel holds exactly the compiled tables.
      let again = try Self.kproxy(["apply", "--netns", ns] + input + (withCounters ? ["--counters"] : [])).check()
      #expect(again.stdout == "kproxy: tables already up to date\n", "\(again.stdout)\(again.stderr)")
    }
  }

  @Test("status of a namespace without kproxy's tables, and without counters")
  func statusWithoutTables() throws {
    let ns = "kpst-\(getpid() % 100000)"
    try Command.run(["ip", "netns", "add", ns]).check()
    defer { _ = try? Command.run(["ip", "netns", "del", ns]) }
    #expect(try Self.kproxy(["status", "--netns", ns]).check().stdout == "no kproxy table is programmed here\n")
    let root = PacketTestPaths.packageRoot.path
    try Self.kproxy([
      "apply", "--netns", ns, "--manifests", root + "/fixtures/demo/manifests", "--config", root + "/fixtures/demo/config.yaml",
    ]).check()
    let s = try Self.status(ns)
    #expect(s["ip kproxy shop/web:http"]?.packets == -1, "no counter without --counters")
    #expect(Set(s["ip kproxy shop/web:http"]?.routes["10.96.12.34:80/tcp"] ?? []) == ["10.244.0.21:8080", "10.244.1.22:8080"])
    #expect(s["ip kproxy shop/web:http"]?.routes["nodePort 30080/tcp"] != nil)
    #expect(try Self.kproxy(["status", "--netns", ns]).check().stdout.contains("(counters off: kproxy --counters)"))
  }
}

// End-to-end packet tests of `kproxy run`: a manifest folder edited under the running agent, its
// HTTP servers, a restart under traffic, the test API server as source, and bad input in a file.
import Foundation
import KubeTestServer
import PacketTestSupport
import Testing

@Suite("kproxy run packets", .packetTestsEnabled)
struct AgentPacketTests {
  /// The agent programs the kernel through netlink only: the topology's nft backend is skipped.
  static func withTopology(pods: Int, _ body: (Topology) throws -> Void) throws {
    try Topology.with(pods: pods) { t in
      guard t.backend == .netlink else { return }
      try body(t)
    }
  }

  /// A scratch manifest folder, removed afterwards.
  static func withFolder(_ body: (URL) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kp-agent-manifests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    try body(dir)
  }

  static func write(_ text: String, to url: URL) throws {
    try text.write(to: url, atomically: true, encoding: .utf8)
  }

  /// A Running, Ready pod on this node with label app=`app`.
  static func podYAML(name: String, app: String, ip: String) -> String {
    """
    apiVersion: v1
    kind: Pod
    metadata: {name: \(name), namespace: default, labels: {app: \(app)}}
    spec:
      nodeName: \(KproxyCompiler.hostname)
      containers: [{name: app}]
    status:
      phase: Running
      podIP: \(ip)
      conditions: [{type: Ready, status: "True"}]

    """
  }

  /// A service with a selector and no EndpointSlice (its endpoints come from pods).
  static func selectorServiceYAML(name: String, clusterIP: String) -> String {
    """
    apiVersion: v1
    kind: Service
    metadata: {name: \(name), namespace: default}
    spec:
      clusterIP: \(clusterIP)
      selector: {app: \(name)}
      ports: [{name: tcp, protocol: TCP, port: 80, targetPort: 8080}]

    """
  }

  @Test("A manifest folder edited under the running agent: add, scale, break, fix, rename, delete; pods of a selector service")
  func manifestFolderLifecycle() throws {
    try Self.withTopology(pods: 4) { t in
      try Self.withFolder { dir in
        let client = t.pods[3].namespace
        let agent = try AgentProcess.start(node: t.node, sources: ["--manifests", dir.path])
        defer { agent.kill() }
        try agent.waitForFirstSync()
        try EchoServer.startAll(in: t, pods: Array(t.pods[0..<3]), port: 8080)
        let (p0, p1, p2) = (t.pods[0].ipv4, t.pods[1].ipv4, t.pods[2].ipv4)
        let node = KproxyCompiler.hostname
        var web = ServiceManifest(name: "web", clusterIP: "10.96.0.10", protocols: [.tcp], endpoints: [(p0, node)])
        let file = dir.appendingPathComponent("web.yaml")

        try Self.write(web.yaml, to: file)
        try AgentTraffic.waitForServers([p0], in: t, from: client, to: "10.96.0.10", agent: agent)

        web.endpoints.append((p1, node))
        try Self.write(web.yaml, to: file)
        try AgentTraffic.waitForServers([p0, p1], in: t, from: client, to: "10.96.0.10", agent: agent)

        // A broken file keeps its last good objects, and the error names the file.
        try Self.write("apiVersion: v1\nkind: Service\nmetadata: {name: web\n", to: file)
        try agent.waitForLog("an error naming web.yaml") { log in
          log.split(separator: "\n").contains { $0.contains("error") && $0.contains("web.yaml") }
        }
        try AgentTraffic.waitForServers([p0, p1], in: t, from: client, to: "10.96.0.10", agent: agent, within: 0)

        web.endpoints = [(p2, node)]
        try Self.write(web.yaml, to: file)
        try AgentTraffic.waitForServers([p2], in: t, from: client, to: "10.96.0.10", agent: agent)

        // A rename deletes the old file's objects and adds the new one's: the same state.
        let renamed = dir.appendingPathComponent("web-renamed.yaml")
        try FileManager.default.moveItem(at: file, to: renamed)
        for _ in 0..<3 {
          usleep(200_000)
          try AgentTraffic.waitForServers([p2], in: t, from: client, to: "10.96.0.10", agent: agent, within: 0)
        }

        try FileManager.default.removeItem(at: renamed)
        try AgentTraffic.waitForNoService(in: t, from: client, to: "10.96.0.10", agent: agent)

        // A selector service fed by a Pod object: deleting the pod's file removes the endpoint.
        try Self.write(Self.selectorServiceYAML(name: "sel", clusterIP: "10.96.0.11"), to: dir.appendingPathComponent("sel.yaml"))
        let podFile = dir.appendingPathComponent("sel-pod.yaml")
        try Self.write(Self.podYAML(name: "sel-1", app: "sel", ip: p1), to: podFile)
        try AgentTraffic.waitForServers([p1], in: t, from: client, to: "10.96.0.11", agent: agent)
        try FileManager.default.removeItem(at: podFile)
        try AgentTraffic.waitForNoService(in: t, from: client, to: "10.96.0.11", agent: agent)
        #expect(agent.stop() == 0, "\(agent.logTail)")
      }
    }
  }

  @Test("/healthz, /livez, /metrics, and a health-check node port that follows the local endpoints")
  func httpEndpoints() throws {
    try Self.withTopology(pods: 2) { t in
      try Self.withFolder { dir in
        let client = t.pods[1].namespace
        let p0 = t.pods[0].ipv4
        let healthCheckPort = Int.random(in: 32100...32700)
        var lb = ServiceManifest(
          name: "lb", type: "LoadBalancer", clusterIP: "10.96.0.30", nodePort: 30030, protocols: [.tcp], externalTrafficPolicy: "Local",
          endpoints: [(p0, KproxyCompiler.hostname)])
        func lbYAML() -> String {
          lb.yaml.replacingOccurrences(
            of: "  externalTrafficPolicy: Local\n", with: "  externalTrafficPolicy: Local\n  healthCheckNodePort: \(healthCheckPort)\n")
        }
        let file = dir.appendingPathComponent("lb.yaml")
        try Self.write(lbYAML(), to: file)
        let agent = try AgentProcess.start(node: t.node, sources: ["--manifests", dir.path])
        defer { agent.kill() }
        let healthz = try agent.port(of: "healthz")
        let metrics = try agent.port(of: "metrics")
        try agent.waitForFirstSync()
        try EchoServer.start(in: t, pod: t.pods[0], ip: p0, port: 8080)
        try AgentTraffic.waitForServers([p0], in: t, from: client, to: "10.96.0.30", agent: agent)

        for path in ["/healthz", "/livez"] {
          let reply = try AgentTraffic.get(port: healthz, path: path)
          #expect(reply.status == 200, "\(path): \(reply)")
          #expect(reply.body.contains("\"lastUpdated\""), "\(path): \(reply)")
        }
        // Local endpoints are counted once the after-sync work ran: poll.
        try Self.waitForHealthCheck(port: healthCheckPort, status: 200, agent: agent)
        let local = try AgentTraffic.get(port: healthCheckPort, path: "/")
        #expect(local.body.contains("\"localEndpoints\": 1"), "\(local)")

        lb.endpoints = [(p0, KproxyCompiler.otherNode)]
        try Self.write(lbYAML(), to: file)
        try Self.waitForHealthCheck(port: healthCheckPort, status: 503, agent: agent)
        let none = try AgentTraffic.get(port: healthCheckPort, path: "/")
        #expect(none.body.contains("\"localEndpoints\": 0"), "\(none)")

        let scrape = try AgentTraffic.get(port: metrics, path: "/metrics")
        #expect(scrape.status == 200)
        for name in ["kubeproxy_sync_proxy_rules_duration_seconds", "kubeproxy_network_programming_duration_seconds"] {
          #expect(scrape.body.contains(name + "_bucket"), "\(name) missing from /metrics")
        }
        #expect(agent.stop() == 0, "\(agent.logTail)")
      }
    }
  }

  static func waitForHealthCheck(port: Int, status: Int, agent: AgentProcess, within: Double = 10) throws {
    let deadline = Date().addingTimeInterval(within)
    var last = (status: 0, body: "")
    repeat {
      last = try AgentTraffic.get(port: port, path: "/")
      if last.status == status { return }
      usleep(50_000)
    } while Date() < deadline
    throw CommandFailure(description: "health-check port \(port) answered \(last) instead of \(status):\n\(agent.logTail)")
  }

  @Test("SIGTERM leaves the rules in place; a restarted agent adopts them while new connections keep succeeding")
  func restartUnderTraffic() throws {
    try Self.withTopology(pods: 3) { t in
      try Self.withFolder { dir in
        let client = t.pods[2].namespace
        let (p0, p1) = (t.pods[0].ipv4, t.pods[1].ipv4)
        let web = ServiceManifest(
          name: "web", clusterIP: "10.96.0.10", protocols: [.tcp, .udp],
          endpoints: [(p0, KproxyCompiler.hostname), (p1, KproxyCompiler.hostname)])
        try Self.write(web.yaml, to: dir.appendingPathComponent("web.yaml"))
        try EchoServer.startAll(in: t, pods: Array(t.pods[0..<2]), port: 8080)
        let first = try AgentProcess.start(node: t.node, sources: ["--manifests", dir.path])
        defer { first.kill() }
        try AgentTraffic.waitForServers([p0, p1], in: t, from: client, to: "10.96.0.10", agent: first)
        // UDP flows (fixed source ports) pinned by conntrack to their endpoints: a restart that
        // broke them (flushed or deleted their entries) would move about half of them.
        let flowPorts = Array(40001...40008)
        func udpFlows() throws -> [Int: String] {
          var servers: [Int: String] = [:]
          for port in flowPorts {
            let reply = try TrafficClient.send(
              in: t, from: client, .udp, to: "10.96.0.10", port: 80, count: 1, timeout: 1, sourcePort: port)
            servers[port] = reply.first?.reply?.server.ip ?? reply.first?.line
          }
          return servers
        }
        let pinned = try udpFlows()
        #expect(Set(pinned.values).isSubset(of: [p0, p1]), "UDP flows: \(pinned)")

        #expect(first.stop() == 0, "\(first.logTail)")
        let whileDown = try TrafficClient.send(in: t, from: client, .tcp, to: "10.96.0.10", port: 80, count: 10, timeout: 1)
        #expect(whileDown.errors.isEmpty, "while the agent is down: \(whileDown.summary)")

        let second = try AgentProcess.start(node: t.node, sources: ["--manifests", dir.path])
        defer { second.kill() }
        var attempts: [Attempt] = []
        var syncedAt: Date?
        let deadline = Date().addingTimeInterval(15)
        // New connections all through the restart, until well after its first sync.
        while Date() < deadline && (attempts.count < 30 || syncedAt.map({ Date().timeIntervalSince($0) < 1 }) ?? true) {
          attempts += try TrafficClient.send(in: t, from: client, .tcp, to: "10.96.0.10", port: 80, count: 3, timeout: 1)
          if syncedAt == nil && !second.syncLines.isEmpty { syncedAt = Date() }
        }
        #expect(syncedAt != nil, "the restarted agent never synced:\n\(second.logTail)")
        #expect(attempts.count >= 30 && attempts.errors.isEmpty, "through the restart: \(attempts.summary)")
        #expect(!second.log.contains("replaced the tables"), "the restarted agent replaced instead of adopting:\n\(second.logTail)")
        try AgentTraffic.waitForServers([p0, p1], in: t, from: client, to: "10.96.0.10", agent: second, within: 0)
        #expect(try udpFlows() == pinned, "UDP flows moved across the restart")
        #expect(second.stop() == 0, "\(second.logTail)")
      }
    }
  }

  @Test("A file whose Service name holds nft syntax is reported by file and field; other services keep working")
  func injectionInFolder() throws {
    try Self.withTopology(pods: 3) { t in
      try Self.withFolder { dir in
        let client = t.pods[2].namespace
        let (p0, p1) = (t.pods[0].ipv4, t.pods[1].ipv4)
        var good = ServiceManifest(name: "good", clusterIP: "10.96.0.10", protocols: [.tcp], endpoints: [(p0, KproxyCompiler.hostname)])
        try Self.write(good.yaml, to: dir.appendingPathComponent("good.yaml"))
        try EchoServer.startAll(in: t, pods: Array(t.pods[0..<2]), port: 8080)
        let agent = try AgentProcess.start(node: t.node, sources: ["--manifests", dir.path])
        defer { agent.kill() }
        try AgentTraffic.waitForServers([p0], in: t, from: client, to: "10.96.0.10", agent: agent)

        let bad = """
          apiVersion: v1
          kind: Service
          metadata: {name: "x;drop", namespace: default}
          spec:
            clusterIP: 10.96.0.66
            ports: [{name: tcp, protocol: TCP, port: 80, targetPort: 8080}]

          """
        try Self.write(bad, to: dir.appendingPathComponent("bad.yaml"))
        try agent.waitForLog("an error naming bad.yaml and metadata.name") { log in
          log.split(separator: "\n").contains { $0.contains("error") && $0.contains("bad.yaml") && $0.contains("metadata.name") }
        }
        try AgentTraffic.waitForNoService(in: t, from: client, to: "10.96.0.66", agent: agent, within: 0)
        good.endpoints.append((p1, KproxyCompiler.hostname))
        try Self.write(good.yaml, to: dir.appendingPathComponent("good.yaml"))
        try AgentTraffic.waitForServers([p0, p1], in: t, from: client, to: "10.96.0.10", agent: agent)
        #expect(agent.process.isRunning && agent.stop() == 0, "\(agent.logTail)")
      }
    }
  }

  @Test("Through the test API server: create, update, a dropped watch and a relist after compaction, delete")
  func apiServerSource() async throws {
    try await APIServerThread.run(Self.runAgainstAPIServer)
  }

  static func apiService(_ name: String, clusterIP: String) -> [String: Any] {
    [
      "apiVersion": "v1", "kind": "Service", "metadata": ["name": name, "namespace": "default"],
      "spec": [
        "clusterIP": clusterIP, "clusterIPs": [clusterIP], "ipFamilies": ["IPv4"], "selector": ["app": name],
        "ports": [["name": "tcp", "protocol": "TCP", "port": 80, "targetPort": 8080]],
      ],
    ]
  }

  static func apiSlice(_ service: String, endpoints: [String]) -> [String: Any] {
    [
      "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
      "metadata": ["name": "\(service)-ipv4", "namespace": "default", "labels": ["kubernetes.io/service-name": service]],
      "addressType": "IPv4",
      "endpoints": endpoints.map { ip in
        [
          "addresses": [ip], "conditions": ["ready": true, "serving": true, "terminating": false], "nodeName": KproxyCompiler.hostname,
        ] as [String: Any]
      },
      "ports": [["name": "tcp", "protocol": "TCP", "port": 8080]],
    ]
  }

  static func runAgainstAPIServer(_ server: KubeTestServer) throws {
    let store = server.store
    let sliceKey = ObjectKey(resource: "endpointslices", namespace: "default", name: "web-ipv4")
    try withTopology(pods: 4) { t in
      let client = t.pods[3].namespace
      let (p0, p1, p2) = (t.pods[0].ipv4, t.pods[1].ipv4, t.pods[2].ipv4)
      try store.create(
        .nodes, namespace: "",
        object: [
          "apiVersion": "v1", "kind": "Node", "metadata": ["name": KproxyCompiler.hostname],
          "status": [
            "addresses": [
              ["type": "InternalIP", "address": TopologyAddresses.nodeIPv4], ["type": "InternalIP", "address": TopologyAddresses.nodeIPv6],
            ]
          ],
        ])
      try store.create(.services, namespace: "default", object: apiService("web", clusterIP: "10.96.0.10"))
      try store.create(.endpointSlices, namespace: "default", object: apiSlice("web", endpoints: [p0]))
      try EchoServer.startAll(in: t, pods: Array(t.pods[0..<3]), port: 8080)
      let agent = try AgentProcess.start(node: t.node, sources: ["--master", server.url])
      defer { agent.kill() }
      try AgentTraffic.waitForServers([p0], in: t, from: client, to: "10.96.0.10", agent: agent)

      try store.update(sliceKey, resource: .endpointSlices, object: apiSlice("web", endpoints: [p0, p1]))
      try AgentTraffic.waitForServers([p0, p1], in: t, from: client, to: "10.96.0.10", agent: agent)

      // The watch drops mid-stream; meanwhile the slice changes and history is compacted; the
      // reopened watch is told 410 Gone and the agent lists again.
      try waitFor("an open EndpointSlice watch", agent: agent) { server.openWatchCount(.endpointSlices) >= 1 }
      server.endWatches(.abrupt, resource: .endpointSlices)
      try store.update(sliceKey, resource: .endpointSlices, object: apiSlice("web", endpoints: [p1, p2]))
      store.compact()
      try waitFor("a reopened EndpointSlice watch", agent: agent) { server.openWatchCount(.endpointSlices) >= 1 }
      server.endWatches(.expired, resource: .endpointSlices)
      try agent.waitForLog("a relist of endpointslices") { $0.contains("endpointslices") && $0.contains("listing again") }
      try AgentTraffic.waitForServers([p1, p2], in: t, from: client, to: "10.96.0.10", agent: agent)
      // Updates after the relist still arrive.
      try store.update(sliceKey, resource: .endpointSlices, object: apiSlice("web", endpoints: [p2]))
      try AgentTraffic.waitForServers([p2], in: t, from: client, to: "10.96.0.10", agent: agent)

      try store.delete(ObjectKey(resource: "services", namespace: "default", name: "web"), resource: .services)
      try AgentTraffic.waitForNoService(in: t, from: client, to: "10.96.0.10", agent: agent)
      #expect(agent.stop() == 0, "\(agent.logTail)")
    }
  }

  static func waitFor(_ what: String, agent: AgentProcess, within: Double = 10, _ condition: () -> Bool) throws {
    let deadline = Date().addingTimeInterval(within)
    while !condition() {
      if Date() > deadline { throw CommandFailure(description: "no \(what) within \(within) s:\n\(agent.logTail)") }
      usleep(20_000)
    }
  }
}

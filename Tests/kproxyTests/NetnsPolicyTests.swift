// Packet tests for per-service policies: sessionAffinity ClientIP, REJECT of services without
// usable endpoints, terminating endpoints as a fallback, and internalTrafficPolicy Local.
import Foundation
import PacketTestSupport
import Testing

@Suite("Service policy packets", .packetTestsEnabled)
struct PolicyPacketTests {
  typealias A = TopologyAddresses

  @Test("sessionAffinity ClientIP keeps a client on one endpoint; without it connections spread")
  func sessionAffinitySticks() throws {
    try Topology.with(pods: 4) { t in
      let endpoints = Array(t.pods[0..<3])
      let client = t.pods[3]
      let placed = endpoints.map { ($0.ipv4, KproxyCompiler.hostname) }
      let sticky = ServiceManifest(name: "sticky", clusterIP: "10.96.0.20", sessionAffinity: "ClientIP", endpoints: placed)
      let spread = ServiceManifest(name: "spread", clusterIP: "10.96.0.21", endpoints: placed)
      try t.loadRuleset(try KproxyCompiler.compile([sticky, spread]))
      try EchoServer.startAll(in: t, pods: endpoints, port: 8080)

      let stuck = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.20", port: 80, count: 30)
      #expect(stuck.errors.isEmpty, "affinity: \(stuck.summary)")
      #expect(stuck.countsByServer.count == 1, "affinity: \(stuck.summary)")
      // Another client is remembered on its own (it may land anywhere, but always there).
      let other = try TrafficClient.send(in: t, from: t.outside, .tcp, to: "10.96.0.20", port: 80, count: 30)
      #expect(other.errors.isEmpty && other.countsByServer.count == 1, "affinity, second client: \(other.summary)")

      let spreadOut = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.21", port: 80, count: 30)
      #expect(spreadOut.errors.isEmpty, "no affinity: \(spreadOut.summary)")
      #expect(spreadOut.countsByServer.count >= 2, "no affinity: \(spreadOut.summary)")
    }
  }

  @Test("A service without endpoints rejects TCP and UDP at once (refused, not a timeout)")
  func noEndpointsRejects() throws {
    try Topology.with(pods: 1) { t in
      let client = t.pods[0]
      let empty = ServiceManifest(name: "empty", type: "NodePort", clusterIP: "10.96.0.40", nodePort: 30040, endpoints: [])
      try t.loadRuleset(try KproxyCompiler.compile([empty]))
      // From the node itself only TCP: a UDP datagram dropped or rejected in the output hook
      // fails send() with EPERM either way, so it cannot tell REJECT from DROP.
      let sources: [(String, String, String, Int, [TransportProtocol])] = [
        ("pod", client.namespace, "10.96.0.40", 80, [.tcp, .udp]), ("node", t.node, "10.96.0.40", 80, [.tcp]),
        ("outside", t.outside, "10.96.0.40", 80, [.tcp, .udp]), ("outside NodePort", t.outside, A.nodeIPv4, 30040, [.tcp, .udp]),
      ]
      for (label, namespace, host, port, protocols) in sources {
        for proto in protocols {
          let started = Date()
          let attempts = try TrafficClient.send(in: t, from: namespace, proto, to: host, port: port, count: 5, timeout: 3)
          let elapsed = Date().timeIntervalSince(started)
          #expect(attempts.allSatisfy { $0.error == "refused" }, "\(label) \(proto): \(attempts.summary)")
          // A single dropped attempt alone would take the full 3 s timeout.
          #expect(elapsed < 3, "\(label) \(proto): 5 rejected attempts took \(elapsed) s")
        }
      }
    }
  }

  @Test("internalTrafficPolicy Local sends ClusterIP traffic only to local endpoints, and drops it without any")
  func internalPolicyLocal() throws {
    try Topology.with(pods: 4) { t in
      let local = t.pods[0]
      let remote = Array(t.pods[1..<3])
      let client = t.pods[3]
      let mixed = ServiceManifest(
        name: "mixed", clusterIP: "10.96.0.50", internalTrafficPolicy: "Local",
        endpoints: [(local.ipv4, KproxyCompiler.hostname)] + remote.map { ($0.ipv4, KproxyCompiler.otherNode) })
      let remoteOnly = ServiceManifest(
        name: "remote", clusterIP: "10.96.0.51", internalTrafficPolicy: "Local",
        endpoints: remote.map { ($0.ipv4, KproxyCompiler.otherNode) })
      try t.loadRuleset(try KproxyCompiler.compile([mixed, remoteOnly]))
      try EchoServer.startAll(in: t, pods: [local] + remote, port: 8080)

      let toMixed = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.50", port: 80, count: 30)
      #expect(toMixed.countsByServer == [local.ipv4: 30], "local endpoints only: \(toMixed.summary)")
      let toRemote = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.51", port: 80, count: 2, timeout: 1)
      #expect(toRemote.allSatisfy { $0.error == "timeout" }, "no local endpoint: \(toRemote.summary)")
    }
  }

  @Test("Terminating serving endpoints are used only when no endpoint is ready; unready ones never")
  func terminatingFallback() throws {
    try Topology.with(pods: 4) { t in
      let ready = t.pods[0]
      let terminating = t.pods[1]
      let unready = t.pods[2]
      let client = t.pods[3]
      let node = KproxyCompiler.hostname
      let mixed = ServiceManifest(
        name: "mixed", clusterIP: "10.96.0.90", protocols: [.tcp], endpoints: [(ready.ipv4, node)],
        terminatingEndpoints: [(terminating.ipv4, node)], unreadyEndpoints: [(unready.ipv4, node)])
      let draining = ServiceManifest(
        name: "draining", clusterIP: "10.96.0.91", protocols: [.tcp],
        terminatingEndpoints: [(terminating.ipv4, node)], unreadyEndpoints: [(unready.ipv4, node)])
      let starting = ServiceManifest(name: "starting", clusterIP: "10.96.0.92", protocols: [.tcp], unreadyEndpoints: [(unready.ipv4, node)])
      try t.loadRuleset(try KproxyCompiler.compile([mixed, draining, starting]))
      try EchoServer.startAll(in: t, pods: [ready, terminating, unready], port: 8080)

      let toMixed = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.90", port: 80, count: 20)
      #expect(toMixed.countsByServer == [ready.ipv4: 20], "ready + terminating + unready: \(toMixed.summary)")
      let toDraining = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.91", port: 80, count: 20)
      #expect(toDraining.countsByServer == [terminating.ipv4: 20], "terminating + unready: \(toDraining.summary)")
      let toStarting = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.92", port: 80, count: 3)
      #expect(toStarting.allSatisfy { $0.error == "refused" }, "unready only: \(toStarting.summary)")
    }
  }
}

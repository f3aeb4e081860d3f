// Packet tests for ClusterIP traffic through a compiled ruleset: random spreading (TCP, UDP,
// IPv6), masquerading by source (pod, node, outside, --masquerade-all), hairpin masquerade,
// and the checks on unknown ports and unallocated service IPs.
import PacketTestSupport
import Testing

@Suite("ClusterIP packets", .packetTestsEnabled)
struct ClusterIPPacketTests {
  typealias A = TopologyAddresses

  @Test("ClusterIP spreads TCP and UDP connections over every endpoint")
  func spreadsOverEveryEndpoint() throws {
    try Topology.with(pods: 4) { t in
      let endpoints = Array(t.pods[0..<3])
      let client = t.pods[3]
      let service = ServiceManifest(name: "web", clusterIP: "10.96.0.10", endpoints: endpoints.map { ($0.ipv4, KproxyCompiler.hostname) })
      try EchoServer.startAll(in: t, pods: endpoints, port: 8080)
      // Control: without kproxy's rules nothing answers on the ClusterIP.
      let unproxied = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.10", port: 80, count: 1, timeout: 0.5)
      #expect(unproxied.allSatisfy { $0.reply == nil }, "before loading: \(unproxied.summary)")
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      for proto in [TransportProtocol.tcp, .udp] {
        let attempts = try TrafficClient.send(in: t, from: client.namespace, proto, to: "10.96.0.10", port: 80, count: 90)
        let counts = attempts.countsByServer
        #expect(attempts.errors.isEmpty, "\(proto): \(attempts.summary)")
        #expect(Set(counts.keys) == Set(endpoints.map(\.ipv4)), "\(proto): \(attempts.summary)")
        for endpoint in endpoints {
          #expect(counts[endpoint.ipv4, default: 0] >= 10, "\(proto) to \(endpoint.ipv4): \(attempts.summary)")
        }
        #expect(attempts.allSatisfy { $0.reply?.server.port == 8080 }, "\(proto): \(attempts.summary)")
      }
    }
  }

  @Test("IPv6 ClusterIP reaches every IPv6 endpoint, unmasqueraded from a pod; IPv6 NodePort and outside traffic masqueraded")
  func ipv6ReachesEveryEndpoint() throws {
    try Topology.with(pods: 4) { t in
      let endpoints = Array(t.pods[0..<3])
      let client = t.pods[3]
      let service = ServiceManifest(
        name: "web6", type: "NodePort", clusterIP: "fd00:96::10", nodePort: 30080,
        endpoints: endpoints.map { ($0.ipv6, KproxyCompiler.hostname) })
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      for pod in endpoints { try EchoServer.start(in: t, pod: pod, ip: pod.ipv6, port: 8080) }
      for proto in [TransportProtocol.tcp, .udp] {
        let attempts = try TrafficClient.send(in: t, from: client.namespace, proto, to: "fd00:96::10", port: 80, count: 90)
        let counts = attempts.countsByServer
        #expect(attempts.errors.isEmpty, "\(proto): \(attempts.summary)")
        for endpoint in endpoints {
          #expect(counts[endpoint.ipv6, default: 0] >= 10, "\(proto) to \(endpoint.ipv6): \(attempts.summary)")
        }
        #expect(attempts.peers == [client.ipv6], "\(proto): \(attempts.summary)")
      }
      for (label, host, port) in [("ClusterIP", "fd00:96::10", 80), ("NodePort", A.nodeIPv6, 30080)] {
        let attempts = try TrafficClient.send(in: t, from: t.outside, .tcp, to: host, port: port, count: 30)
        #expect(Set(attempts.countsByServer.keys) == Set(endpoints.map(\.ipv6)), "outside \(label): \(attempts.summary)")
        #expect(attempts.peers == [A.gatewayIPv6], "outside \(label): \(attempts.summary)")
      }
    }
  }

  @Test("ClusterIP traffic is masqueraded from the node and from outside the cluster CIDR, not from pods")
  func masqueradeDependsOnSource() throws {
    try Topology.with(pods: 2) { t in
      let endpoint = t.pods[0]
      let client = t.pods[1]
      let service = ServiceManifest(name: "web", clusterIP: "10.96.0.10", endpoints: [(endpoint.ipv4, KproxyCompiler.hostname)])
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.start(in: t, pod: endpoint, ip: endpoint.ipv4, port: 8080)

      let fromPod = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.10", port: 80, count: 5)
      #expect(fromPod.countsByServer == [endpoint.ipv4: 5], "from pod: \(fromPod.summary)")
      #expect(fromPod.peers == [client.ipv4], "from pod: \(fromPod.summary)")

      let fromNode = try TrafficClient.send(in: t, from: t.node, .tcp, to: "10.96.0.10", port: 80, count: 5)
      #expect(fromNode.countsByServer == [endpoint.ipv4: 5], "from node: \(fromNode.summary)")
      #expect(fromNode.peers == [A.gatewayIPv4], "from node: \(fromNode.summary)")

      let fromOutside = try TrafficClient.send(in: t, from: t.outside, .tcp, to: "10.96.0.10", port: 80, count: 5)
      #expect(fromOutside.countsByServer == [endpoint.ipv4: 5], "from outside: \(fromOutside.summary)")
      #expect(fromOutside.peers == [A.gatewayIPv4], "from outside: \(fromOutside.summary)")
    }
  }

  @Test("A pod reaching itself through its ClusterIP sees a masqueraded peer (hairpin), IPv4 and IPv6")
  func hairpinIsMasqueraded() throws {
    try Topology.with(pods: 1) { t in
      let pod = t.pods[0]
      let service = ServiceManifest(
        name: "self", clusterIP: "10.96.0.30", secondaryClusterIP: "fd00:96::30",
        endpoints: [(pod.ipv4, KproxyCompiler.hostname), (pod.ipv6, KproxyCompiler.hostname)])
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.startAll(in: t, pods: [pod], port: 8080, ipv6: true)
      for (clusterIP, podIP, gateway) in [("10.96.0.30", pod.ipv4, A.gatewayIPv4), ("fd00:96::30", pod.ipv6, A.gatewayIPv6)] {
        for proto in [TransportProtocol.tcp, .udp] {
          let attempts = try TrafficClient.send(in: t, from: pod.namespace, proto, to: clusterIP, port: 80, count: 5)
          #expect(attempts.countsByServer == [podIP: 5], "\(proto) \(clusterIP): \(attempts.summary)")
          #expect(attempts.peers == [gateway], "\(proto) \(clusterIP): \(attempts.summary)")
        }
      }
    }
  }

  @Test("A dual-stack service sends each family's ClusterIP to that family's endpoints")
  func dualStack() throws {
    try Topology.with(pods: 3) { t in
      let endpoints = Array(t.pods[0..<2])
      let client = t.pods[2]
      let service = ServiceManifest(
        name: "dual", clusterIP: "fd00:96::40", secondaryClusterIP: "10.96.0.40",
        endpoints: endpoints.flatMap { [($0.ipv4, KproxyCompiler.hostname), ($0.ipv6, KproxyCompiler.hostname)] })
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.startAll(in: t, pods: endpoints, port: 8080, ipv6: true)
      let v4 = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.40", port: 80, count: 30)
      #expect(Set(v4.countsByServer.keys) == Set(endpoints.map(\.ipv4)), "IPv4: \(v4.summary)")
      #expect(v4.peers == [client.ipv4], "IPv4: \(v4.summary)")
      let v6 = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "fd00:96::40", port: 80, count: 30)
      #expect(Set(v6.countsByServer.keys) == Set(endpoints.map(\.ipv6)), "IPv6: \(v6.summary)")
      #expect(v6.peers == [client.ipv6], "IPv6: \(v6.summary)")
    }
  }

  @Test("--masquerade-all masquerades pod traffic to a ClusterIP too")
  func masqueradeAll() throws {
    try Topology.with(pods: 2) { t in
      let endpoint = t.pods[0]
      let client = t.pods[1]
      let service = ServiceManifest(name: "web", clusterIP: "10.96.0.10", endpoints: [(endpoint.ipv4, KproxyCompiler.hostname)])
      try t.loadRuleset(try KproxyCompiler.compile([service], extraArguments: ["--masquerade-all"]))
      try EchoServer.start(in: t, pod: endpoint, ip: endpoint.ipv4, port: 8080)
      let attempts = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.10", port: 80, count: 5)
      #expect(attempts.countsByServer == [endpoint.ipv4: 5], "\(attempts.summary)")
      #expect(attempts.peers == [A.gatewayIPv4], "\(attempts.summary)")
    }
  }

  @Test("An unknown port of a ClusterIP is rejected; an unallocated IP of the service CIDR is dropped")
  func unknownPortRejectedUnallocatedDropped() throws {
    try Topology.with(pods: 2) { t in
      let endpoint = t.pods[0]
      let client = t.pods[1]
      let service = ServiceManifest(
        name: "web", clusterIP: "10.96.0.10", protocols: [.tcp], endpoints: [(endpoint.ipv4, KproxyCompiler.hostname)])
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.start(in: t, pod: endpoint, ip: endpoint.ipv4, port: 8080)
      let known = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.10", port: 80, count: 2)
      #expect(known.countsByServer == [endpoint.ipv4: 2], "port 80: \(known.summary)")
      let unknownPort = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.10", port: 81, count: 3)
      #expect(unknownPort.allSatisfy { $0.error == "refused" }, "port 81: \(unknownPort.summary)")
      let udpOnTCPService = try TrafficClient.send(in: t, from: client.namespace, .udp, to: "10.96.0.10", port: 80, count: 3)
      #expect(udpOnTCPService.allSatisfy { $0.error == "refused" }, "udp port 80: \(udpOnTCPService.summary)")
      let unallocated = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.99", port: 80, count: 2, timeout: 1)
      #expect(unallocated.allSatisfy { $0.error == "timeout" }, "unallocated: \(unallocated.summary)")
    }
  }
}

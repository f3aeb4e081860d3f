// Packet tests for NodePort traffic from an outside client: externalTrafficPolicy Cluster
// (masqueraded, any endpoint) and Local (client IP kept, local endpoints only, else DROP), and
// which node addresses accept NodePorts (--nodeport-addresses).
import Foundation
import PacketTestSupport
import Testing

@Suite("NodePort packets", .packetTestsEnabled)
struct NodePortPacketTests {
  typealias A = TopologyAddresses

  @Test("NodePort with externalTrafficPolicy Cluster reaches every endpoint, masqueraded")
  func clusterPolicyIsMasqueraded() throws {
    try Topology.with(pods: 3) { t in
      let endpoints = t.pods
      let service = ServiceManifest(
        name: "web", type: "NodePort", clusterIP: "10.96.0.10", nodePort: 30080,
        endpoints: endpoints.map { ($0.ipv4, KproxyCompiler.otherNode) })
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.startAll(in: t, pods: endpoints, port: 8080)
      for proto in [TransportProtocol.tcp, .udp] {
        let attempts = try TrafficClient.send(in: t, from: t.outside, proto, to: A.nodeIPv4, port: 30080, count: 60)
        let counts = attempts.countsByServer
        #expect(attempts.errors.isEmpty, "\(proto): \(attempts.summary)")
        for endpoint in endpoints {
          #expect(counts[endpoint.ipv4, default: 0] >= 5, "\(proto) to \(endpoint.ipv4): \(attempts.summary)")
        }
        #expect(attempts.peers == [A.gatewayIPv4], "\(proto): \(attempts.summary)")
      }
    }
  }

  @Test("NodePort with externalTrafficPolicy Local reaches only local endpoints and keeps the client IP")
  func localPolicyKeepsClientIP() throws {
    try Topology.with(pods: 4) { t in
      let local = t.pods[0]
      let remote = Array(t.pods[1..<3])
      let podClient = t.pods[3]
      let service = ServiceManifest(
        name: "web", type: "NodePort", clusterIP: "10.96.0.10", nodePort: 30080,
        externalTrafficPolicy: "Local",
        endpoints: [(local.ipv4, KproxyCompiler.hostname)] + remote.map { ($0.ipv4, KproxyCompiler.otherNode) })
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.startAll(in: t, pods: [local] + remote, port: 8080)
      for proto in [TransportProtocol.tcp, .udp] {
        let external = try TrafficClient.send(in: t, from: t.outside, proto, to: A.nodeIPv4, port: 30080, count: 30)
        #expect(external.countsByServer == [local.ipv4: 30], "\(proto): \(external.summary)")
        #expect(external.peers == [A.outsideIPv4], "\(proto): \(external.summary)")
      }
      // Inside the cluster the ClusterIP still uses every endpoint.
      let inCluster = try TrafficClient.send(in: t, from: podClient.namespace, .tcp, to: "10.96.0.10", port: 80, count: 60)
      #expect(Set(inCluster.countsByServer.keys) == Set(([local] + remote).map(\.ipv4)), "ClusterIP: \(inCluster.summary)")
    }
  }

  @Test("NodePort with externalTrafficPolicy Local and no local endpoint drops outside traffic; pods still reach the ClusterIP")
  func localPolicyWithoutLocalEndpointDrops() throws {
    try Topology.with(pods: 3) { t in
      let remote = Array(t.pods[0..<2])
      let podClient = t.pods[2]
      let service = ServiceManifest(
        name: "web", type: "NodePort", clusterIP: "10.96.0.10", nodePort: 30080,
        externalTrafficPolicy: "Local",
        endpoints: remote.map { ($0.ipv4, KproxyCompiler.otherNode) })
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.startAll(in: t, pods: remote, port: 8080)
      for proto in [TransportProtocol.tcp, .udp] {
        let external = try TrafficClient.send(in: t, from: t.outside, proto, to: A.nodeIPv4, port: 30080, count: 2, timeout: 1)
        #expect(external.allSatisfy { $0.error == "timeout" }, "\(proto): \(external.summary)")
      }
      let inCluster = try TrafficClient.send(in: t, from: podClient.namespace, .tcp, to: "10.96.0.10", port: 80, count: 30)
      #expect(inCluster.errors.isEmpty, "ClusterIP: \(inCluster.summary)")
      #expect(Set(inCluster.countsByServer.keys) == Set(remote.map(\.ipv4)), "ClusterIP: \(inCluster.summary)")
      // Pods and the node itself are short-circuited to every endpoint, even on the NodePort;
      // the node's own traffic is masqueraded, the pod's is not.
      let podToNodePort = try TrafficClient.send(in: t, from: podClient.namespace, .tcp, to: A.nodeIPv4, port: 30080, count: 30)
      #expect(Set(podToNodePort.countsByServer.keys) == Set(remote.map(\.ipv4)), "pod to NodePort: \(podToNodePort.summary)")
      #expect(podToNodePort.peers == [podClient.ipv4], "pod to NodePort: \(podToNodePort.summary)")
      let nodeToNodePort = try TrafficClient.send(in: t, from: t.node, .tcp, to: A.nodeIPv4, port: 30080, count: 30)
      #expect(Set(nodeToNodePort.countsByServer.keys) == Set(remote.map(\.ipv4)), "node to NodePort: \(nodeToNodePort.summary)")
      #expect(nodeToNodePort.peers == [A.gatewayIPv4], "node to NodePort: \(nodeToNodePort.summary)")
    }
  }

  @Test("NodePorts answer on the primary node IPs by default, on every local address with 0.0.0.0/0,::/0, never on loopback")
  func nodePortAddresses() throws {
    try Topology.with(pods: 1) { t in
      let endpoint = t.pods[0]
      try t.addNodeAddress("192.168.1.3/24")
      try t.addNodeAddress("fd00:1::3/64")
      let service = ServiceManifest(
        name: "web", type: "NodePort", clusterIP: "10.96.0.10", secondaryClusterIP: "fd00:96::10", nodePort: 30080,
        protocols: [.tcp], endpoints: [(endpoint.ipv4, KproxyCompiler.hostname), (endpoint.ipv6, KproxyCompiler.hostname)])
      try EchoServer.startAll(in: t, pods: [endpoint], port: 8080, ipv6: true)
      let secondaryIPs = ["--node-ip", "192.168.1.3", "--node-ip", "fd00:1::3"]

      try t.loadRuleset(try KproxyCompiler.compile([service], extraArguments: secondaryIPs))
      for (host, served) in [(A.nodeIPv4, endpoint.ipv4), (A.nodeIPv6, endpoint.ipv6)] {
        let primary = try TrafficClient.send(in: t, from: t.outside, .tcp, to: host, port: 30080, count: 3)
        #expect(primary.countsByServer == [served: 3], "primary \(host): \(primary.summary)")
      }
      for host in ["192.168.1.3", "fd00:1::3"] {
        let secondary = try TrafficClient.send(in: t, from: t.outside, .tcp, to: host, port: 30080, count: 2)
        #expect(secondary.allSatisfy { $0.error == "refused" }, "secondary \(host), default: \(secondary.summary)")
      }

      try t.loadRuleset(try KproxyCompiler.compile([service], extraArguments: secondaryIPs + ["--nodeport-addresses", "0.0.0.0/0,::/0"]))
      for (host, served) in [("192.168.1.3", endpoint.ipv4), ("fd00:1::3", endpoint.ipv6), (A.nodeIPv4, endpoint.ipv4)] {
        let any = try TrafficClient.send(in: t, from: t.outside, .tcp, to: host, port: 30080, count: 3)
        #expect(any.countsByServer == [served: 3], "\(host), every local address: \(any.summary)")
      }
      for host in ["127.0.0.1", "::1"] {
        let loopback = try TrafficClient.send(in: t, from: t.node, .tcp, to: host, port: 30080, count: 2)
        #expect(loopback.allSatisfy { $0.error == "refused" }, "\(host) from the node: \(loopback.summary)")
      }
    }
  }
}

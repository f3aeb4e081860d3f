// Packet tests for externalIPs and LoadBalancer ingress IPs routed to the node: masqueraded to
// any endpoint with externalTrafficPolicy Cluster, client IP kept and local-only with Local,
// and loadBalancerSourceRanges admitting or dropping clients.
import PacketTestSupport
import Testing

@Suite("External address packets", .packetTestsEnabled)
struct ExternalAddressPacketTests {
  typealias A = TopologyAddresses

  @Test("externalIP and LoadBalancer IP: Cluster policy spreads masqueraded, Local policy keeps the client IP on local endpoints")
  func externalAndLoadBalancerIPs() throws {
    try Topology.with(pods: 3) { t in
      let local = t.pods[0]
      let remote = Array(t.pods[1..<3])
      let placed = [(local.ipv4, KproxyCompiler.hostname)] + remote.map { ($0.ipv4, KproxyCompiler.otherNode) }
      let cluster = ServiceManifest(
        name: "lb-cluster", type: "LoadBalancer", clusterIP: "10.96.0.60", nodePort: 30060,
        externalIPs: ["172.30.0.10"], loadBalancerIngress: ["172.30.1.10"], endpoints: placed)
      let localOnly = ServiceManifest(
        name: "lb-local", type: "LoadBalancer", clusterIP: "10.96.0.61", nodePort: 30061,
        externalTrafficPolicy: "Local",
        externalIPs: ["172.30.0.11"], loadBalancerIngress: ["172.30.1.11"], endpoints: placed)
      try t.loadRuleset(try KproxyCompiler.compile([cluster, localOnly]))
      try EchoServer.startAll(in: t, pods: t.pods, port: 8080)

      for address in ["172.30.0.10", "172.30.1.10"] {
        let attempts = try TrafficClient.send(in: t, from: t.outside, .tcp, to: address, port: 80, count: 45)
        #expect(Set(attempts.countsByServer.keys) == Set(t.pods.map(\.ipv4)), "Cluster \(address): \(attempts.summary)")
        #expect(attempts.peers == [A.gatewayIPv4], "Cluster \(address): \(attempts.summary)")
      }
      for address in ["172.30.0.11", "172.30.1.11"] {
        let attempts = try TrafficClient.send(in: t, from: t.outside, .tcp, to: address, port: 80, count: 20)
        #expect(attempts.countsByServer == [local.ipv4: 20], "Local \(address): \(attempts.summary)")
        #expect(attempts.peers == [A.outsideIPv4], "Local \(address): \(attempts.summary)")
      }
    }
  }

  @Test("loadBalancerSourceRanges admits sources in the ranges and drops the others")
  func sourceRanges() throws {
    try Topology.with(pods: 2) { t in
      let endpoint = t.pods[0]
      let podClient = t.pods[1]
      let placed = [(endpoint.ipv4, KproxyCompiler.hostname)]
      let podsOnly = ServiceManifest(
        name: "pods-only", type: "LoadBalancer", clusterIP: "10.96.0.62", nodePort: 30062, protocols: [.tcp],
        loadBalancerIngress: ["172.30.1.20"], endpoints: placed, loadBalancerSourceRanges: ["10.244.0.0/16"])
      let outsideToo = ServiceManifest(
        name: "outside-too", type: "LoadBalancer", clusterIP: "10.96.0.63", nodePort: 30063, protocols: [.tcp],
        loadBalancerIngress: ["172.30.1.21"], endpoints: placed, loadBalancerSourceRanges: ["192.168.1.0/24"])
      try t.loadRuleset(try KproxyCompiler.compile([podsOnly, outsideToo]))
      try EchoServer.start(in: t, pod: endpoint, ip: endpoint.ipv4, port: 8080)

      let denied = try TrafficClient.send(in: t, from: t.outside, .tcp, to: "172.30.1.20", port: 80, count: 2, timeout: 1)
      #expect(denied.allSatisfy { $0.error == "timeout" }, "outside to pods-only: \(denied.summary)")
      let fromPod = try TrafficClient.send(in: t, from: podClient.namespace, .tcp, to: "172.30.1.20", port: 80, count: 3)
      #expect(fromPod.countsByServer == [endpoint.ipv4: 3], "pod to pods-only: \(fromPod.summary)")
      let allowed = try TrafficClient.send(in: t, from: t.outside, .tcp, to: "172.30.1.21", port: 80, count: 3)
      #expect(allowed.countsByServer == [endpoint.ipv4: 3], "outside to outside-too: \(allowed.summary)")
      // The NodePort of a source-ranged service is not filtered (as in kube-proxy).
      let nodePort = try TrafficClient.send(in: t, from: t.outside, .tcp, to: A.nodeIPv4, port: 30062, count: 3)
      #expect(nodePort.countsByServer == [endpoint.ipv4: 3], "outside to pods-only NodePort: \(nodePort.summary)")
    }
  }
}

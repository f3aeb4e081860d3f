// Packet tests for externalIPs and LoadBalancer ingress IPs routed to the node: masqueraded to
// any endpoint with externalTrafficPolicy Cluster, client IP kept and local-only with Local.
import Testing

@Suite("External address packets", .enabled(if: PacketTestPrerequisites.shouldRun))
struct ExternalAddressPacketTests {
  typealias A = TopologyAddresses

  @Test("externalIP and LoadBalancer IP: Cluster policy spreads masqueraded, Local policy keeps the client IP on local endpoints")
  func externalAndLoadBalancerIPs() throws {
    try Topology.with(pods: 3) { t in
      let local = t.pods[0]
      let remote = Array(t.pods[1..<3])
      let placed = [(local.ipv4, KproxyCompiler.hostname)] + remote.map { ($0.ipv4, KproxyCompiler.otherNode) }
      let cluster = ServiceManifest(name: "lb-cluster", type: "LoadBalancer", clusterIP: "10.96.0.60", nodePort: 30060,
                                    externalIPs: ["172.30.0.10"], loadBalancerIngress: ["172.30.1.10"], endpoints: placed)
      let localOnly = ServiceManifest(name: "lb-local", type: "LoadBalancer", clusterIP: "10.96.0.61", nodePort: 30061,
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
}

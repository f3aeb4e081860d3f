// Packet test for the endpoint pickers: a service scaled across endpoint-count groups (2, then
// 10, then 3 endpoints: per-count maps, chains and count groups appear and go) sends traffic
// to exactly its current endpoints at once, while another service keeps working.
import PacketTestSupport
import Testing

@Suite("Endpoint count packets", .packetTestsEnabled)
struct EndpointCountPacketTests {
  @Test("Scaling a service across endpoint-count groups switches traffic at once; other services keep theirs")
  func scalingAcrossCountGroups() throws {
    try Topology.with(pods: 11) { t in
      let client = t.pods[10]
      let other = ServiceManifest(name: "other", clusterIP: "10.96.0.81", endpoints: [(t.pods[9].ipv4, KproxyCompiler.hostname)])
      var web = ServiceManifest(name: "web", clusterIP: "10.96.0.80", endpoints: [])
      try EchoServer.startAll(in: t, pods: Array(t.pods[0..<10]), port: 8080)
      for count in [2, 10, 3] {
        let endpoints = Array(t.pods[0..<count])
        web.endpoints = endpoints.map { ($0.ipv4, KproxyCompiler.hostname) }
        try t.loadRuleset(try KproxyCompiler.compile([web, other]))
        let attempts = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.80", port: 80, count: 20 * count)
        let counts = attempts.countsByServer
        #expect(attempts.errors.isEmpty, "\(count) endpoints: \(attempts.summary)")
        #expect(Set(counts.keys) == Set(endpoints.map(\.ipv4)), "\(count) endpoints: \(attempts.summary)")
        // Uniform choice: 20 connections expected per endpoint; fewer than 4 would take a
        // binomial tail of about 1e-5.
        for endpoint in endpoints {
          #expect(counts[endpoint.ipv4, default: 0] >= 4, "\(count) endpoints, \(endpoint.ipv4): \(attempts.summary)")
        }
        let toOther = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.81", port: 80, count: 5)
        #expect(toOther.countsByServer == [t.pods[9].ipv4: 5], "other service with web at \(count): \(toOther.summary)")
      }
    }
  }
}

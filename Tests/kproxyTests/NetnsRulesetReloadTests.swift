// Packet test for loading a second ruleset over the first (a new script with nft, an incremental
// transaction with netlink): traffic follows the new endpoints at once, other tables stay.
import PacketTestSupport
import Testing

@Suite("Ruleset reload packets", .packetTestsEnabled)
struct RulesetReloadPacketTests {
  @Test("Loading a newer compiled script replaces the old rules and keeps other tables")
  func reloadFollowsNewEndpoints() throws {
    try Topology.with(pods: 3) { t in
      let client = t.pods[2]
      var service = ServiceManifest(name: "web", clusterIP: "10.96.0.70", endpoints: [(t.pods[0].ipv4, KproxyCompiler.hostname)])
      try t.loadForeignRuleset("table inet bystander {\n  chain input { type filter hook input priority 0; policy accept; }\n}\n")
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.startAll(in: t, pods: Array(t.pods[0..<2]), port: 8080)

      let before = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.70", port: 80, count: 10)
      #expect(before.countsByServer == [t.pods[0].ipv4: 10], "first ruleset: \(before.summary)")

      service.endpoints = [(t.pods[1].ipv4, KproxyCompiler.hostname)]
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      let after = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.70", port: 80, count: 10)
      #expect(after.countsByServer == [t.pods[1].ipv4: 10], "second ruleset: \(after.summary)")

      let tables = try t.run(in: t.node, ["nft", "list", "tables"]).check().lines
      #expect(Set(tables) == ["table inet bystander", "table ip kproxy", "table ip6 kproxy"], "\(tables)")
    }
  }
}

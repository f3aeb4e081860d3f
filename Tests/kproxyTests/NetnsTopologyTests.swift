// Packet tests for topology-aware routing: zone hints send traffic to same-zone endpoints only,
// one endpoint without hints means all endpoints, node hints mean this node's endpoint only.
import Foundation
import PacketTestSupport
import Testing

@Suite("Topology-aware routing packets", .packetTestsEnabled)
struct TopologyPacketTests {
  /// This node's Node object: its zone label is where kproxy learns the node's zone.
  static let nodeObject = (
    name: "node",
    yaml: """
    apiVersion: v1
    kind: Node
    metadata:
      name: \(KproxyCompiler.hostname)
      labels: {topology.kubernetes.io/zone: zone-a}
    """
  )

  static func zoneHint(_ zone: String) -> String { "{forZones: [{name: \(zone)}]}" }

  @Test("Hints: same-zone endpoints only; all when one endpoint is unhinted; this node's endpoint with node hints")
  func zoneHintsSelectSameZoneEndpoints() throws {
    try Topology.with(pods: 4) { t in
      let sameNode = t.pods[0]
      let sameZone = t.pods[1]
      let otherZone = t.pods[2]
      let client = t.pods[3]
      let endpoints = [
        (sameNode.ipv4, KproxyCompiler.hostname), (sameZone.ipv4, KproxyCompiler.otherNode), (otherZone.ipv4, "node-c"),
      ]
      let zonal = ServiceManifest(
        name: "zonal", clusterIP: "10.96.0.60", protocols: [.tcp], endpoints: endpoints,
        endpointHints: [
          sameNode.ipv4: Self.zoneHint("zone-a"), sameZone.ipv4: Self.zoneHint("zone-a"), otherZone.ipv4: Self.zoneHint("zone-b"),
        ])
      // The same endpoints, but the other-zone one has no hints: kube-proxy ignores all hints.
      let partly = ServiceManifest(
        name: "partly", clusterIP: "10.96.0.61", protocols: [.tcp], endpoints: endpoints,
        endpointHints: [sameNode.ipv4: Self.zoneHint("zone-a"), sameZone.ipv4: Self.zoneHint("zone-a")])
      // Node hints on every endpoint, one for this node: only that one (PreferSameNode).
      let sameNodeOnly = ServiceManifest(
        name: "same-node", clusterIP: "10.96.0.62", protocols: [.tcp], endpoints: endpoints,
        endpointHints: [
          sameNode.ipv4: "{forZones: [{name: zone-a}], forNodes: [{name: \(KproxyCompiler.hostname)}]}",
          sameZone.ipv4: "{forZones: [{name: zone-a}], forNodes: [{name: \(KproxyCompiler.otherNode)}]}",
          otherZone.ipv4: "{forZones: [{name: zone-b}], forNodes: [{name: node-c}]}",
        ])
      try t.loadRuleset(try KproxyCompiler.compile([zonal, partly, sameNodeOnly], otherObjects: [Self.nodeObject]))
      try EchoServer.startAll(in: t, pods: [sameNode, sameZone, otherZone], port: 8080)

      let toZonal = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.60", port: 80, count: 40)
      #expect(toZonal.errors.isEmpty, "zone hints: \(toZonal.summary)")
      #expect(Set(toZonal.countsByServer.keys) == [sameNode.ipv4, sameZone.ipv4], "zone hints: \(toZonal.summary)")

      let toPartly = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.61", port: 80, count: 40)
      #expect(toPartly.errors.isEmpty, "one endpoint without hints: \(toPartly.summary)")
      #expect(
        Set(toPartly.countsByServer.keys) == [sameNode.ipv4, sameZone.ipv4, otherZone.ipv4],
        "one endpoint without hints: \(toPartly.summary)")

      let toSameNode = try TrafficClient.send(in: t, from: client.namespace, .tcp, to: "10.96.0.62", port: 80, count: 20)
      #expect(toSameNode.countsByServer == [sameNode.ipv4: 20], "node hints: \(toSameNode.summary)")
    }
  }
}

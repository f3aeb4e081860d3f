// Packet tests for the UDP conntrack cleanup: a client that keeps its source port stays on a
// removed endpoint (or on a path cached before its service existed) until the cleanup runs.
import Dataplane
import Foundation
import KubeAPI
import NFTNetlink
import NetAddress
import PacketTestSupport
import ServiceProxy
import Testing

@Suite("Conntrack cleanup packets", .packetTestsEnabled)
struct ConntrackPacketTests {
  typealias A = TopologyAddresses
  /// The tests that run the cleanup step themselves use the one-shot ways of programming the
  /// node; `kproxy run` cleans up on its own after each sync (NetnsAgentTests covers it).
  static let oneShot: [RulesetBackend] = [.nft, .netlink]

  /// The service port kproxy programs for `service`'s UDP port (what the sync loop hands the
  /// cleanup): ClusterIP, port, NodePort and serving endpoints with the target port.
  static func udpPort(_ service: ServiceManifest) -> ServicePortInfo {
    ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: "default", name: service.name), port: "udp", protocol_: .udp),
      family: .v4, clusterIP: IPAddress(service.clusterIP)!, port: service.port, nodePort: service.nodePort ?? 0,
      endpoints: service.endpoints.map {
        EndpointInfo(ip: IPAddress($0.ip)!, port: service.targetPort, isLocal: true, ready: true, serving: true, terminating: false)
      })
  }

  static func server(_ attempts: [Attempt]) -> String { attempts.first?.reply?.server.ip ?? attempts.description }

  @Test("A UDP client keeping its source port stays on a removed endpoint until the cleanup, then reaches the live one")
  func removedEndpointFlowIsDeleted() throws {
    try Topology.with(pods: 3, backends: Self.oneShot) { t in
      let (a, b, client) = (t.pods[0], t.pods[1], t.pods[2])
      var service = ServiceManifest(
        name: "dns", clusterIP: "10.96.0.53", port: 53, protocols: [.udp], endpoints: [(a.ipv4, KproxyCompiler.hostname)])
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      try EchoServer.startAll(in: t, pods: [a, b], port: 8080)
      let send = { try TrafficClient.send(in: t, from: client.namespace, .udp, to: "10.96.0.53", port: 53, count: 1, sourcePort: 41000) }
      #expect(Self.server(try send()) == a.ipv4)
      let previous = [Self.udpPort(service)]

      service.endpoints = [(b.ipv4, KproxyCompiler.hostname)]
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      // Before the cleanup the flow's conntrack entry still DNATs to A (A still answers: only
      // its endpoint was removed): what the cleanup is for.
      #expect(Self.server(try send()) == a.ipv4, "before the cleanup")

      let count = try ConntrackCleanup.run(previous: previous, current: [Self.udpPort(service)], namespace: NetworkNamespace(t.node))
      #expect(count?.deleted == 1, "\(String(describing: count))")
      #expect(Self.server(try send()) == b.ipv4, "after the cleanup")
      // A new client is not disturbed by a second run: nothing is stale now.
      #expect(try ConntrackCleanup.run(current: [Self.udpPort(service)], namespace: NetworkNamespace(t.node)).deleted == 0)
      #expect(Self.server(try send()) == b.ipv4)
    }
  }

  @Test("A NodePort flow cached before its service existed is deleted once the service has an endpoint")
  func unNATedNodePortFlowIsDeleted() throws {
    try Topology.with(pods: 1, backends: Self.oneShot) { t in
      let a = t.pods[0]
      try EchoServer.startAll(in: t, pods: [a], port: 8080)
      // Some other service: the node has kproxy's tables, but nothing on NodePort 30053.
      let other = ServiceManifest(name: "other", clusterIP: "10.96.0.60", protocols: [.tcp], endpoints: [(a.ipv4, KproxyCompiler.hostname)])
      try t.loadRuleset(try KproxyCompiler.compile([other]))
      let send = { try TrafficClient.send(in: t, from: t.outside, .udp, to: A.nodeIPv4, port: 30053, count: 1, sourcePort: 41001) }
      // The node answers port unreachable itself; its conntrack keeps the flow, un-NATed.
      #expect(try send().first?.error == "refused")

      let service = ServiceManifest(
        name: "dns", type: "NodePort", clusterIP: "10.96.0.53", port: 53, nodePort: 30053, protocols: [.udp],
        endpoints: [(a.ipv4, KproxyCompiler.hostname)])
      try t.loadRuleset(try KproxyCompiler.compile([other, service]))
      #expect(try send().first?.error == "refused", "before the cleanup: the cached flow skips the new DNAT")

      let count = try ConntrackCleanup.run(previous: [], current: [Self.udpPort(service)], namespace: NetworkNamespace(t.node))
      #expect(count?.deleted == 1, "\(String(describing: count))")
      #expect(Self.server(try send()) == a.ipv4, "after the cleanup")
    }
  }

  @Test("kproxy's REJECT of a service without endpoints caches no flow: its first endpoint is reached without a cleanup")
  func rejectCachesNothing() throws {
    try Topology.with(pods: 2) { t in
      let (a, client) = (t.pods[0], t.pods[1])
      try EchoServer.startAll(in: t, pods: [a], port: 8080)
      var service = ServiceManifest(name: "dns", type: "NodePort", clusterIP: "10.96.0.53", port: 53, nodePort: 30053, protocols: [.udp])
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      let viaClusterIP = {
        try TrafficClient.send(in: t, from: client.namespace, .udp, to: "10.96.0.53", port: 53, count: 1, sourcePort: 41002)
      }
      let viaNodePort = { try TrafficClient.send(in: t, from: t.outside, .udp, to: A.nodeIPv4, port: 30053, count: 1, sourcePort: 41003) }
      #expect(try viaClusterIP().first?.error == "refused")
      #expect(try viaNodePort().first?.error == "refused")
      // The REJECT runs in the filter hooks, before conntrack confirms the flow: none is left.
      var left: [ConntrackFlow] = []
      try ConntrackClient(namespace: NetworkNamespace(t.node)).forEachFlow(family: .v4, protocolNumber: ConntrackFlow.udp) {
        left.append($0)
      }
      #expect(!left.contains { [41002, 41003].contains($0.original.sourcePort) }, "\(left)")

      service.endpoints = [(a.ipv4, KproxyCompiler.hostname)]
      try t.loadRuleset(try KproxyCompiler.compile([service]))
      #expect(Self.server(try viaClusterIP()) == a.ipv4)
      #expect(Self.server(try viaNodePort()) == a.ipv4)
    }
  }
}

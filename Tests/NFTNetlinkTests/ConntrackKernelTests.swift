// ConntrackClient against a real kernel: real UDP and TCP flows in a scratch namespace (DNATed
// by a small nft table), dumped, and exactly the stale ones deleted by the cleanup plan.
import Foundation
import KernelTestSupport
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

@testable import NFTNetlink

@Suite("Conntrack kernel", .kernelTests)
struct ConntrackKernelTests {
  /// Service and endpoint addresses live on `lo` (10.244.0.7 behind a link to nowhere, where a TCP
  /// SYN goes unanswered and its flow stays); the nat table DNATs by source port, so each
  /// packet below makes one flow of a known shape.
  static let setup = """
    table inet ctsetup {
      chain out {
        type nat hook output priority -100;
        udp sport 40001 ip daddr 10.96.0.10 dnat ip to 10.244.0.4
        udp sport 40002 ip daddr 10.96.0.10 dnat ip to 10.244.0.6
        udp sport 40004 ip daddr 10.96.0.10 dnat ip to 10.244.0.6
        tcp sport 40005 ip daddr 10.96.0.10 dnat ip to 10.244.0.7
        udp sport 40006 ip6 daddr fd00:96::10 dnat ip6 to fd00:244::6
        udp sport 40007 ip6 daddr fd00:96::10 dnat ip6 to fd00:244::4
      }
    }
    """

  static func send(_ ns: ScratchNamespace, _ kind: String, from port: Int, to host: String, _ dport: Int) throws {
    let family = host.contains(":") ? "AF_INET6" : "AF_INET"
    let type = kind == "tcp" ? "SOCK_STREAM" : "SOCK_DGRAM"
    let act = kind == "tcp" ? "s.settimeout(0.2)\ntry: s.connect((h, p))\nexcept OSError: pass" : "s.sendto(b'x', (h, p))"
    let script =
      "import socket\ns = socket.socket(socket.\(family), socket.\(type))\ns.bind(('', \(port)))\nh, p = '\(host)', \(dport)\n\(act)\n"
    try ScratchNamespace.run(["ip", "netns", "exec", ns.name, "python3", "-c", script])
  }

  static func flows(_ client: ConntrackClient, _ family: IPFamily, _ proto: UInt8?) throws -> [ConntrackFlow] {
    var out: [ConntrackFlow] = []
    try client.forEachFlow(family: family, protocolNumber: proto) { out.append($0) }
    return out
  }

  static func udpService(_ clusterIP: String, port: Int, endpoints: [String]) -> ServicePortInfo {
    ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: "t", name: clusterIP), port: "", protocol_: .udp),
      family: IPAddress(clusterIP)!.family, clusterIP: IPAddress(clusterIP)!, port: port,
      endpoints: endpoints.map {
        EndpointInfo(ip: IPAddress($0)!, port: port, isLocal: true, ready: true, serving: true, terminating: false)
      })
  }

  static func makeNamespace(_ label: String) throws -> ScratchNamespace {
    let ns = try ScratchNamespace.make(label)
    let ip = ["ip", "-n", ns.name]
    try ScratchNamespace.run(ip + ["link", "set", "lo", "up"])
    for a in ["10.96.0.10/32", "10.96.0.11/32", "10.244.0.4/32", "10.244.0.6/32", "fd00:96::10/128", "fd00:244::4/128", "fd00:244::6/128"] {
      try ScratchNamespace.run(ip + ["addr", "add", a, "dev", "lo"] + (a.contains(":") ? ["nodad"] : []))
    }
    // A link whose peer is down: a SYN routed there leaves (its flow confirmed) and is lost.
    try ScratchNamespace.run(ip + ["link", "add", "silent", "type", "veth", "peer", "name", "silentpeer"])
    try ScratchNamespace.run(ip + ["link", "set", "silent", "up"])
    try ScratchNamespace.run(ip + ["route", "add", "10.244.0.7/32", "dev", "silent"])
    try ns.load(Self.setup)
    return ns
  }

  @Test("Dump finds the flows; the cleanup deletes exactly the stale UDP ones, in both families")
  func cleanupDeletesStaleFlows() throws {
    let ns = try Self.makeNamespace("conntrack")
    try Self.send(ns, "udp", from: 40001, to: "10.96.0.10", 53)  // to the serving endpoint: kept
    try Self.send(ns, "udp", from: 40002, to: "10.96.0.10", 53)  // to a removed endpoint: deleted
    try Self.send(ns, "udp", from: 40003, to: "10.96.0.11", 53)  // never DNATed, service has endpoints now: deleted
    try Self.send(ns, "udp", from: 40004, to: "10.96.0.10", 54)  // not a service port: kept
    try Self.send(ns, "tcp", from: 40005, to: "10.96.0.10", 53)  // TCP to a non-endpoint: kept (UDP only)
    try Self.send(ns, "udp", from: 40006, to: "fd00:96::10", 53)  // IPv6 to a removed endpoint: deleted
    try Self.send(ns, "udp", from: 40007, to: "fd00:96::10", 53)  // IPv6 to the serving endpoint: kept

    let client = try ConntrackClient(namespace: NetworkNamespace(ns.name))
    let udp4 = try Self.flows(client, .v4, ConntrackFlow.udp)
    let bySport = Dictionary(udp4.map { ($0.original.sourcePort, $0) }, uniquingKeysWith: { a, _ in a })
    #expect(Set(bySport.keys).isSuperset(of: [40001, 40002, 40003, 40004]), "\(udp4)")
    #expect(bySport[40002]?.reply.source == IPAddress("10.244.0.6"), "the dump reports the DNATed reply tuple")
    #expect(bySport[40003]?.reply.source == IPAddress("10.96.0.11"))
    #expect(udp4.allSatisfy { $0.protocolNumber == ConntrackFlow.udp && $0.family == .v4 })
    #expect(try Self.flows(client, .v4, 6).contains { $0.original.sourcePort == 40005 })

    let current = [
      Self.udpService("10.96.0.10", port: 53, endpoints: ["10.244.0.4"]),
      Self.udpService("10.96.0.11", port: 53, endpoints: ["10.244.0.4"]),
      Self.udpService("fd00:96::10", port: 53, endpoints: ["fd00:244::4"]),
    ]
    var deleted = 0
    for family in IPFamily.allCases {
      let plan = ConntrackCleanupPlan(family: family, servicePorts: current)
      let count = try client.deleteFlows(family: family, protocolNumber: ConntrackFlow.udp) { flow in
        plan.isStale(
          originalDestination: ConntrackAddressPort(flow.original.destination, Int(flow.original.destinationPort)),
          replySource: ConntrackAddressPort(flow.reply.source, Int(flow.reply.sourcePort)))
      }
      deleted += count.deleted
    }
    #expect(deleted == 3)
    let left4 = Set(try Self.flows(client, .v4, nil).map(\.original.sourcePort))
    let left6 = Set(try Self.flows(client, .v6, ConntrackFlow.udp).map(\.original.sourcePort))
    #expect(left4.isSuperset(of: [40001, 40004, 40005]) && left4.isDisjoint(with: [40002, 40003]), "\(left4)")
    #expect(left6.contains(40007) && !left6.contains(40006), "\(left6)")
  }

  @Test("Deleting a flow that is already gone counts it, and is no error")
  func deleteGoneFlow() throws {
    let ns = try Self.makeNamespace("ctgone")
    try Self.send(ns, "udp", from: 40004, to: "10.96.0.10", 54)
    let client = try ConntrackClient(namespace: NetworkNamespace(ns.name))
    let flows = try Self.flows(client, .v4, ConntrackFlow.udp).filter { $0.original.sourcePort == 40004 }
    #expect(flows.count == 1)
    #expect(try client.delete(flows) == ConntrackCleanupCount(deleted: 1))
    #expect(try client.delete(flows) == ConntrackCleanupCount(alreadyGone: 1))
  }
}

// `kproxy trace` against real packets: for random clusters (seeded) programmed into a node
// namespace, every flow's predicted outcome (read back from the kernel by `trace --netns`) must
// be what connections actually do: the same endpoints, masquerade when predicted (the pod sees
// the node's address) and not otherwise, REJECT as refused, DROP as a timeout.
import Foundation
import PacketTestSupport
import TestSupport
import Testing

@Suite("trace predicts real packets", .packetTestsEnabled)
struct TracePropertyTests {
  typealias A = TopologyAddresses

  /// A random cluster over pods 0–3 (pod 4 is the in-cluster client): a few services of random
  /// type, policies and endpoints (local or on another node, some only terminating).
  static func randomCluster(_ rng: inout SeededRandom, pods: [PodNamespace]) -> [ServiceManifest] {
    (0..<4).map { i in
      let type = ["ClusterIP", "NodePort", "LoadBalancer"].randomElement(using: &rng)!
      var s = ServiceManifest(name: "svc\(i)", type: type, clusterIP: "10.96.0.\(10 + i)", port: 80 + i)
      s.protocols = rng.chance(0.5) ? [.tcp, .udp] : [.tcp]
      if type != "ClusterIP" {
        s.nodePort = 30080 + i
        if rng.chance(0.5) { s.externalTrafficPolicy = "Local" }
      }
      if type == "LoadBalancer" { s.loadBalancerIngress = ["198.51.100.\(10 + i)"] }
      if rng.chance(0.2) { s.internalTrafficPolicy = "Local" }
      let chosen = pods[0..<4].shuffled(using: &rng).prefix(Int.random(in: 0...3, using: &rng))
      let entries = chosen.map { ($0.ipv4, rng.chance(0.5) ? KproxyCompiler.hostname : KproxyCompiler.otherNode) }
      if !entries.isEmpty && rng.chance(0.25) {
        s.terminatingEndpoints = entries
      } else {
        s.endpoints = entries
      }
      return s
    }
  }

  /// The flows to check for a service: from the client pod, from the node, from outside.
  struct Flow: CustomStringConvertible {
    var from: String
    var namespace: String
    var to: String
    var port: Int
    var proto: TransportProtocol
    var description: String { "\(proto) \(from) -> \(to):\(port)" }
  }

  static func flows(_ s: ServiceManifest, client: PodNamespace, t: Topology) -> [Flow] {
    var out: [Flow] = []
    for p in s.protocols {
      out.append(Flow(from: client.ipv4, namespace: client.namespace, to: s.clusterIP, port: s.port, proto: p))
      out.append(Flow(from: A.nodeIPv4, namespace: t.node, to: s.clusterIP, port: s.port, proto: p))
      if let np = s.nodePort { out.append(Flow(from: A.outsideIPv4, namespace: t.outside, to: A.nodeIPv4, port: np, proto: p)) }
      for lb in s.loadBalancerIngress { out.append(Flow(from: A.outsideIPv4, namespace: t.outside, to: lb, port: s.port, proto: p)) }
    }
    out.append(Flow(from: client.ipv4, namespace: client.namespace, to: s.clusterIP, port: s.port + 100, proto: .tcp))
    return out
  }

  /// What `kproxy trace --netns NODE --json` predicts: verdict, endpoint IP and masquerade per outcome.
  struct Prediction: CustomStringConvertible {
    var outcomes: [(verdict: String, endpoint: String?, masquerade: Bool)]
    var text: String
    var description: String { text }
  }

  static func predict(_ f: Flow, t: Topology) throws -> Prediction {
    let args = [
      try PacketTestPaths.kproxyBinary(), "trace", "--netns", t.node, "--from", f.from, "--to", "\(f.to):\(f.port)/\(f.proto.rawValue)",
    ]
    let json = try Command.run(args + ["--json"]).check().stdout
    let doc = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
    let outcomes = (doc?["outcomes"] as? [[String: Any]] ?? []).map { o in
      (
        verdict: o["verdict"] as? String ?? "?", endpoint: (o["dnat"] as? [String: Any])?["address"] as? String,
        masquerade: o["masquerade"] as? Bool ?? false
      )
    }
    return Prediction(outcomes: outcomes, text: try Command.run(args).check().stdout)
  }

  @Test("predicted endpoints, masquerade, REJECT and DROP equal what real connections show", arguments: [11, 23, 37] as [UInt64])
  func predictionsMatchPackets(seed: UInt64) throws {
    try Topology.with(pods: 5, backends: [.netlink]) { t in
      var rng = SeededRandom(seed: seed)
      let client = t.pods[4]
      let services = Self.randomCluster(&rng, pods: t.pods)
      let cluster = try KproxyCompiler.compile(services)
      try t.loadRuleset(cluster)
      let endpointIPs = Set(services.flatMap { $0.endpoints.map(\.ip) + $0.terminatingEndpoints.map(\.ip) })
      try EchoServer.startAll(in: t, pods: t.pods.filter { endpointIPs.contains($0.ipv4) }, port: 8080)
      var flows = services.flatMap { Self.flows($0, client: client, t: t) }
      // An unallocated address of the service CIDR.
      flows.append(Flow(from: client.ipv4, namespace: client.namespace, to: "10.96.0.200", port: 80, proto: .tcp))
      for f in flows {
        let p = try Self.predict(f, t: t)
        let context = "seed \(seed), \(f)\nmanifests:\n\(cluster.manifests.map(\.yaml).joined(separator: "\n---\n"))\ntrace:\n\(p.text)"
        try check(f, p, t, context)
      }
    }
  }

  private func check(_ f: Flow, _ p: Prediction, _ t: Topology, _ context: String) throws {
    let verdicts = Set(p.outcomes.map(\.verdict))
    #expect(verdicts.count == 1, "one kind of outcome per flow: \(context)")
    switch verdicts.first {
    case "accept" where p.outcomes.allSatisfy({ $0.endpoint != nil }):
      let expected = Set(p.outcomes.compactMap(\.endpoint))
      let masquerade = Set(p.outcomes.map(\.masquerade))
      #expect(masquerade.count == 1, "masquerade the same for every endpoint: \(context)")
      let attempts = try TrafficClient.send(in: t, from: f.namespace, f.proto, to: f.to, port: f.port, count: 10 * expected.count)
      #expect(attempts.errors.isEmpty, "\(attempts.summary)\n\(context)")
      #expect(Set(attempts.countsByServer.keys) == expected, "\(attempts.summary)\n\(context)")
      let peer = masquerade.first == true ? A.gatewayIPv4 : f.from
      #expect(attempts.peers == [peer], "\(attempts.summary)\n\(context)")
    case "accept":
      // Untouched: routed on (the upstream router answers "host unreachable") or refused locally.
      let attempts = try TrafficClient.send(in: t, from: f.namespace, f.proto, to: f.to, port: f.port, count: 2, timeout: 1)
      #expect(
        attempts.allSatisfy { $0.reply == nil } && attempts.errors.isSubset(of: ["unreachable", "refused"]),
        "\(attempts.summary)\n\(context)")
    // A packet the node itself sends and its output hook refuses fails the send with EPERM.
    case "reject":
      let attempts = try TrafficClient.send(in: t, from: f.namespace, f.proto, to: f.to, port: f.port, count: 3)
      let allowed: Set<String> = f.namespace == t.node ? ["refused", "EPERM"] : ["refused"]
      #expect(attempts.allSatisfy { $0.error.map(allowed.contains) == true }, "\(attempts.summary)\n\(context)")
    case "drop":
      let attempts = try TrafficClient.send(in: t, from: f.namespace, f.proto, to: f.to, port: f.port, count: 2, timeout: 1)
      let allowed: Set<String> = f.namespace == t.node ? ["timeout", "EPERM"] : ["timeout"]
      #expect(attempts.allSatisfy { $0.error.map(allowed.contains) == true }, "\(attempts.summary)\n\(context)")
    default:
      Issue.record("no outcome predicted: \(context)")
    }
  }
}

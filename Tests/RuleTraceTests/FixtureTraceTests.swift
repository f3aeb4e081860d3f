// kproxy trace against compiled fixtures: each flow's outcomes (endpoints with exact
// probabilities, masquerade, REJECT, DROP, untouched) as kube-proxy's semantics say they must be.
import KernelTestSupport
import NFTables
import NetAddress
import ProxyRules
import RuleTrace
import Testing

@Suite struct FixtureTraceTests {
  /// A compiled fixture and a tracer for node-a (192.168.1.10).
  static func tracer(_ fixture: String) throws -> TraceEvaluator {
    let compiled = try FixtureScenarios.compile(fixture)
    return TraceEvaluator(ruleset: compiled.ruleset, node: TraceNode(localAddresses: [ip("192.168.1.10")]))
  }

  static func ip(_ s: String) -> IPAddress { IPAddress(s)! }

  static func flow(_ from: String, _ to: String, _ port: UInt16, _ proto: IPProto = .tcp, path: TracePath = .prerouting)
    -> TraceFlow
  {
    TraceFlow(source: ip(from), destination: ip(to), destinationPort: port, proto: proto, path: path)
  }

  /// The outcomes as `summary probability` lines, most likely first.
  static func outcomes(_ t: TraceEvaluator, _ f: TraceFlow) throws -> [String] {
    try t.trace(f).outcomes.map { "\($0.summary) \($0.probability)" }
  }

  @Test func aClusterIPFromAPodSpreadsOverReadyEndpointsWithoutMasquerade() throws {
    let t = try Self.tracer("demo")
    // The terminating endpoint (10.244.2.23) is not used while ready ones exist.
    #expect(
      try Self.outcomes(t, Self.flow("10.244.0.9", "10.96.12.34", 80)) == [
        "DNAT to 10.244.0.21:8080 1/2", "DNAT to 10.244.1.22:8080 1/2",
      ])
    #expect(
      try Self.outcomes(t, Self.flow("10.244.0.9", "10.96.0.10", 53, .udp)) == [
        "DNAT to 10.244.0.5:53 1/2", "DNAT to 10.244.1.7:53 1/2",
      ])
  }

  @Test func aClusterIPFromTheNodeIsMasqueraded() throws {
    let t = try Self.tracer("demo")
    #expect(
      try Self.outcomes(t, Self.flow("192.168.1.10", "10.96.12.34", 80, path: .output)) == [
        "DNAT to 10.244.0.21:8080, masquerade 1/2", "DNAT to 10.244.1.22:8080, masquerade 1/2",
      ])
  }

  @Test func aNodePortFromOutsideIsDNATedAndMasqueraded() throws {
    let t = try Self.tracer("demo")
    #expect(
      try Self.outcomes(t, Self.flow("203.0.113.5", "192.168.1.10", 30080)) == [
        "DNAT to 10.244.0.21:8080, masquerade 1/2", "DNAT to 10.244.1.22:8080, masquerade 1/2",
      ])
  }

  @Test func anEndpointOnTheNodeItselfGoesThroughInput() throws {
    let t = try Self.tracer("demo")
    let r = try t.trace(Self.flow("10.244.0.9", "10.96.0.1", 443))
    #expect(r.outcomes.map(\.summary) == ["DNAT to 192.168.1.10:6443"])
    #expect(r.outcomes[0].steps.contains { $0.kind == .hook && $0.text.contains("hook input") })
    #expect(!r.outcomes[0].steps.contains { $0.kind == .hook && $0.text.contains("hook forward") })
  }

  @Test func unknownPortsAndUnallocatedServiceIPsAreRefusedAndOtherTrafficIsUntouched() throws {
    let t = try Self.tracer("demo")
    #expect(try Self.outcomes(t, Self.flow("10.244.0.9", "10.96.12.34", 81)) == ["REJECT 1"])
    #expect(try Self.outcomes(t, Self.flow("10.244.0.9", "10.96.99.99", 80)) == ["DROP 1"])
    #expect(try Self.outcomes(t, Self.flow("10.244.0.9", "8.8.8.8", 53, .udp)) == ["untouched 1"])
    #expect(try Self.outcomes(t, Self.flow("192.168.1.10", "8.8.8.8", 443, path: .output)) == ["untouched 1"])
  }

  @Test func aServiceWithoutEndpointsIsRejected() throws {
    let t = try Self.tracer("no-endpoints")
    #expect(try Self.outcomes(t, Self.flow("10.244.0.9", "10.96.5.1", 80)) == ["REJECT 1"])
  }

  @Test func sessionAffinityChoosesAmongThreeEndpointsWithAThirdEach() throws {
    let t = try Self.tracer("session-affinity")
    let r = try t.trace(Self.flow("10.244.0.9", "10.96.4.4", 80))
    #expect(r.endpoints.values.allSatisfy { $0 == Probability(1, 3) })
    #expect(r.endpoints.keys.map(\.description).sorted() == ["10.244.0.70:8080", "10.244.1.71:8080", "10.244.2.72:8080"])
    // The way records the affinity set update with the DNAT.
    let dnat = r.outcomes[0].steps.first { $0.kind == .rule && $0.text.contains("dnat to") }
    #expect(dnat?.text.contains("update @affinity-") == true)
  }

  @Test func externalTrafficPolicyLocalUsesOnlyLocalEndpointsAndKeepsTheSource() throws {
    let t = try Self.tracer("etp-local")
    #expect(try Self.outcomes(t, Self.flow("203.0.113.5", "198.51.100.60", 80)) == ["DNAT to 10.244.0.90:8080 1"])
    // No local endpoint: dropped, not rejected (other nodes may have one).
    #expect(try Self.outcomes(t, Self.flow("203.0.113.5", "192.168.1.10", 30602)) == ["DROP 1"])
    // Pod traffic to the LB IP is short-circuited to every endpoint, as kube-proxy does.
    #expect(
      try Self.outcomes(t, Self.flow("10.244.0.9", "198.51.100.60", 80)) == [
        "DNAT to 10.244.0.90:8080 1/2", "DNAT to 10.244.1.91:8080 1/2",
      ])
  }

  @Test func loadBalancerSourceRangesDropOtherSources() throws {
    let t = try Self.tracer("loadbalancer-sourceranges")
    #expect(try Self.outcomes(t, Self.flow("203.0.113.9", "198.51.100.7", 443)) == ["DNAT to 10.244.0.40:8443, masquerade 1"])
    #expect(try Self.outcomes(t, Self.flow("8.8.8.8", "198.51.100.8", 443)) == ["DROP 1"])
  }

  @Test func theTextNamesTheOutcomesAndTheWay() throws {
    let t = try Self.tracer("demo")
    let text = try t.trace(Self.flow("203.0.113.5", "192.168.1.10", 30080)).render()
    #expect(text.hasPrefix("tcp 203.0.113.5:40000 -> 192.168.1.10:30080, new connection, path prerouting\n"))
    #expect(text.contains("  1/2     DNAT to 10.244.0.21:8080, masquerade\n"))
    #expect(text.contains("way to DNAT to 10.244.0.21:8080, masquerade:\n"))
    #expect(
      text.contains("way to DNAT to 10.244.1.22:8080, masquerade: the same chains as the way to DNAT to 10.244.0.21:8080, masquerade\n"))
    #expect(text.contains("  ip kproxy nat-prerouting (type nat hook prerouting priority -100)\n"))
    #expect(text.contains("masquerading: masquerade fully-random"))
  }
}

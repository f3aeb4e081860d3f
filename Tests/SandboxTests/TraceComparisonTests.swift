// trace --verify's comparison, rule by rule: a prediction for the demo's NodePort, ClusterIP,
// unknown port and unallocated address against tallies that agree and tallies that do not.
import KernelTestSupport
import NFTables
import NetAddress
import RuleTrace
import Sandbox
import Testing

@Suite struct TraceComparisonTests {
  static let tracer = TraceEvaluator(
    ruleset: try! FixtureScenarios.compile("demo").ruleset, node: TraceNode(localAddresses: [IPAddress("192.168.1.10")!]))
  static func trace(_ from: String, _ to: String, _ port: UInt16) -> TraceResult {
    try! tracer.trace(
      TraceFlow(source: IPAddress(from)!, destination: IPAddress(to)!, destinationPort: port, proto: .tcp, path: .prerouting))
  }
  static func row(_ from: String, _ lines: [String]) -> SandboxCheckRow {
    SandboxCheckRow(
      probe: SandboxProbe(servicePort: "", kind: "", from: .pod, fromAddress: from, namespace: "", target: "", port: 0, transport: .tcp),
      lines: lines)
  }
  static let nodePort = trace("203.0.113.5", "192.168.1.10", 30080)

  @Test func bothEndpointsMasqueradedIsAsPredicted() {
    let r = Self.row("203.0.113.5", ["server=10.244.0.21:8080 peer=10.244.0.1:1", "server=10.244.1.22:8080 peer=10.244.0.1:2"])
    #expect(TraceComparison.problems(Self.nodePort, r, fromNode: false).isEmpty)
  }

  @Test func anotherEndpointAMissedMasqueradeAndFailuresAreNamed() {
    let r = Self.row(
      "203.0.113.5", ["server=10.244.0.21:8080 peer=203.0.113.5:1", "server=10.244.2.23:8080 peer=203.0.113.5:2", "error=timeout"])
    let problems = TraceComparison.problems(Self.nodePort, r, fromNode: false)
    #expect(
      problems.contains("answered by [\"10.244.0.21:8080\", \"10.244.2.23:8080\"] instead of [\"10.244.0.21:8080\", \"10.244.1.22:8080\"]"))
    #expect(problems.contains("failures [\"timeout\"]"))
    #expect(problems.contains("the endpoints saw the client's address"))
  }

  @Test func rejectAndDropMustNotBeAnswered() {
    let reject = Self.trace("10.244.0.9", "10.96.12.34", 81)
    #expect(TraceComparison.problems(reject, Self.row("10.244.0.9", ["error=refused"]), fromNode: false).isEmpty)
    #expect(
      TraceComparison.problems(reject, Self.row("10.244.0.9", ["error=timeout"]), fromNode: false) == ["expected every attempt refused"])
    // The node's own packets refused by its output hook fail with EPERM.
    #expect(TraceComparison.problems(reject, Self.row("10.244.0.9", ["error=EPERM"]), fromNode: true).isEmpty)
    let drop = Self.trace("10.244.0.9", "10.96.99.99", 80)
    #expect(TraceComparison.problems(drop, Self.row("10.244.0.9", ["error=timeout"]), fromNode: false).isEmpty)
    #expect(
      TraceComparison.problems(drop, Self.row("10.244.0.9", ["server=10.244.0.21:8080 peer=10.244.0.9:1"]), fromNode: false)
        == ["expected every attempt to time out"])
  }
}

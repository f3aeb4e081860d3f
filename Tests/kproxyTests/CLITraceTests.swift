// `kproxy trace` as users run it: the text and JSON for the demo cluster, the path chosen from
// the client address, and clear usage errors (nothing on stdout, exit 2).
import Foundation
import PacketTestSupport
import Testing

@Suite struct CLITraceTests {
  static func trace(_ args: [String]) throws -> CommandResult { try CLITests.kproxy(["trace"] + CLITests.demo + args) }

  @Test func aNodePortFromOutsidePrintsTheOutcomesAndTheWay() throws {
    let r = try Self.trace(["--from", "203.0.113.5:5555", "--to", "192.168.1.10:30080/tcp"])
    #expect(r.status == 0 && r.stderr.isEmpty)
    let lines = r.lines
    #expect(lines.first == "tcp 203.0.113.5:5555 -> 192.168.1.10:30080, new connection, path prerouting")
    #expect(
      lines.dropFirst(1).prefix(3) == [
        "outcome:", "  1/2     DNAT to 10.244.0.21:8080, masquerade", "  1/2     DNAT to 10.244.1.22:8080, masquerade",
      ])
    #expect(r.stdout.contains("    services: ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports\n"))
  }

  @Test func aClientOnTheNodeTakesTheOutputPath() throws {
    let r = try Self.trace(["--from", "192.168.1.10", "--to", "10.96.0.10:53/udp", "--json"])
    #expect(r.status == 0)
    let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
    #expect((doc?["flow"] as? [String: Any])?["path"] as? String == "output")
    let outcomes = doc?["outcomes"] as? [[String: Any]] ?? []
    #expect(outcomes.map { $0["summary"] as? String } == ["DNAT to 10.244.0.5:53, masquerade", "DNAT to 10.244.1.7:53, masquerade"])
    #expect(outcomes.map { $0["probability"] as? String } == ["1/2", "1/2"])
  }

  @Test(arguments: [
    (["--from", "10.0.0.1", "--to", "10.96.0.10:53"], "--to: 10.96.0.10:53 is not ADDRESS:PORT/PROTO"),
    (["--from", "10.0.0.1", "--to", "10.96.0.10:53/icmp"], "--to: icmp is not a protocol kproxy handles (tcp, udp, sctp)"),
    (["--from", "fd00::1", "--to", "10.96.0.10:53/udp"], "are of different IP families"),
    (["--from", "10.0.0.1", "--to", "10.96.0.10:53/udp", "--netns", "x"], "--netns and --manifests exclude each other"),
    (["--from", "10.0.0.1:99999", "--to", "10.96.0.10:53/udp"], "--from: 10.0.0.1:99999 is not ADDRESS or ADDRESS:PORT"),
  ])
  func badArgumentsAreRefused(args: [String], message: String) throws {
    let r = try Self.trace(args)
    #expect(r.status != 0)
    #expect(r.stdout.isEmpty)
    #expect(r.stderr.contains(message), "\(r.stderr)")
  }
}

/// `trace --verify` as root: the demo's flows sent for real in a throwaway sandbox agree with the prediction.
@Suite("trace --verify", .packetTestsEnabled)
struct TraceVerifyTests {
  @Test(arguments: [
    (["--from", "203.0.113.5", "--to", "192.168.1.10:30080/tcp"], "; masqueraded (seen as 10.244.0.1) — as predicted"),
    (["--from", "10.244.0.9", "--to", "10.96.0.10:53/udp"], "; source kept — as predicted"),
    (["--from", "192.168.1.10", "--to", "10.96.12.34:81/tcp"], "REJECT (refused ×12) — as predicted"),
    (["--from", "10.244.0.9", "--to", "10.96.99.99:80/tcp"], "DROP/timeout (timeout ×12) — as predicted"),
  ])
  func theDemoFlowsAreAsPredicted(args: [String], expected: String) throws {
    let r = try CLITraceTests.trace(args + ["--verify"])
    #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
    #expect(r.stdout.contains("\nverify: ") && r.stdout.contains(expected), "\(r.stdout)")
  }
}

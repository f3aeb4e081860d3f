// --bind-service-ips in a scratch namespace: kproxy0 is made (dummy, else bridge), follows the
// wanted addresses, makes them bindable and connectable, and goes away on remove.
import Foundation
import NetAddress
import Testing

@testable import Dataplane

@Suite(.kernelTests) struct ServiceIPInterfaceTests {
  static func addresses(_ ns: ScratchNetns) throws -> [String] {
    let out = try ScratchNetns.run(["ip", "-n", ns.name, "-o", "address", "show", "dev", "kproxy0"])
    return out.split(separator: "\n").compactMap { line in
      let f = line.split(separator: " ")
      guard let i = f.firstIndex(where: { $0 == "inet" || $0 == "inet6" }) else { return nil }
      return String(f[i + 1])
    }.sorted()
  }

  @Test func bindsFollowsAndRemoves() async throws {
    let ns = try ScratchNetns.make("svcip")
    try ScratchNetns.run(["ip", "-n", ns.name, "link", "set", "lo", "up"])
    // A leftover from a run that ended without cleanup is flushed.
    try ScratchNetns.run(["ip", "-n", ns.name, "link", "add", "kproxy0", "type", "bridge"])
    try ScratchNetns.run(["ip", "-n", ns.name, "address", "add", "10.96.9.9/32", "dev", "kproxy0"])
    let binder = ServiceIPInterface(namespace: ns.namespace)
    try await binder.bind([IPAddress("10.96.0.10")!, IPAddress("fd00:96::10")!, IPAddress("203.0.113.1")!])
    #expect(try Self.addresses(ns) == ["10.96.0.10/32", "203.0.113.1/32", "fd00:96::10/128"])
    // The addresses are local: a listener binds one and a client connects to it.
    let probe = """
      import socket
      for fam, a in ((socket.AF_INET, '10.96.0.10'), (socket.AF_INET6, 'fd00:96::10')):
          s = socket.socket(fam); s.bind((a, 80)); s.listen()
          c = socket.socket(fam); c.settimeout(2); c.connect((a, 80)); print('ok', a)
      """
    let out = try ScratchNetns.run(["ip", "netns", "exec", ns.name, "python3", "-c", probe])
    #expect(out == "ok 10.96.0.10\nok fd00:96::10\n")
    try await binder.bind([IPAddress("10.96.0.10")!, IPAddress("10.96.0.11")!])
    #expect(try Self.addresses(ns) == ["10.96.0.10/32", "10.96.0.11/32"])
    await binder.remove()
    #expect(throws: (any Error).self) { try ScratchNetns.run(["ip", "-n", ns.name, "link", "show", "kproxy0"]) }
  }
}

@Suite(.kernelTests) struct NFTablesProbeTests {
  @Test func probeSucceedsInANamespaceAndLeavesNothing() throws {
    let ns = try ScratchNetns.make("probe")
    #expect(NFTablesProbe.run(namespace: ns.namespace) == nil)
    #expect(try ns.listRuleset() == "")
    let selection = ModeSelection.select(.auto) { NFTablesProbe.run(namespace: ns.namespace) }
    #expect(selection.mode == .nftables)
    #expect(selection.reason == "probe-ok")
  }
}

@Suite struct ModeSelectionTests {
  @Test func flagsAndProbeFailures() {
    #expect(
      ModeSelection.select(.nftables) {
        Issue.record("probed"); return nil
      }.reason == "forced")
    #expect(
      ModeSelection.select(.userspace) {
        Issue.record("probed"); return nil
      }.mode == .userspace)
    let denied = ModeSelection.select(.auto) { .injected("x") }
    #expect(denied.mode == .userspace)
    #expect(denied.reason == "netlink-error")
    #expect(denied.detail == "mode userspace (--mode auto: nf_tables cannot be programmed here: injected failure: x)")
  }
}

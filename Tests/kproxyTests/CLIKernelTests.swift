// `kproxy apply`/`cleanup` where the kernel is unusual: a rootless user namespace (no
// SO_SNDBUFFORCE), a namespace whose loopback is down (`--backend nft`), nft failing.
import Foundation
import NFTNetlink
import PacketTestSupport
import Testing

@Suite(.packetTestsEnabled) struct CLIKernelTests {
  /// A fresh namespace (its `lo` is down, as `ip netns add` leaves it), deleted afterwards.
  static func withNamespace(_ body: (String) throws -> Void) throws {
    try PacketTestPrerequisites.require()
    let ns = NamespaceNames.newPrefix() + "-cli"
    try Command.must(["ip", "netns", "add", ns])
    defer { NamespaceNames.delete(ns) }
    try body(ns)
  }

  @Test func applyWorksInARootlessUserNamespace() throws {
    try PacketTestPrerequisites.require()
    // Inside `unshare --user --map-root-user` the process is root of its own user namespace:
    // nf_tables works there, SO_SNDBUFFORCE does not (it needs CAP_NET_ADMIN in the initial one).
    let script = "\"$0\" apply \"$@\" || exit $?; nft list table ip kproxy"
    let r = try Command.run(
      ["unshare", "--user", "--map-root-user", "--net", "sh", "-c", script, try PacketTestPaths.kproxyBinary()] + CLITests.demo, timeout: 60
    )
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout.hasPrefix("kproxy: applied "), "\(r.stdout)")
    #expect(r.stdout.contains("table ip kproxy {"))
    #expect(r.stdout.contains("map endpoints-1 {"))
  }

  @Test func applyTimingNamesEveryPhaseWithDecodingApart() throws {
    try Self.withNamespace { ns in
      let r = try Command.run(
        ["ip", "netns", "exec", ns, try PacketTestPaths.kproxyBinary(), "apply", "--timing"] + CLITests.demo, timeout: 60)
      #expect(r.status == 0, "\(r.stderr)")
      let line = r.stderr.split(separator: "\n").first { $0.hasPrefix("kproxy: timing: ") }.map(String.init) ?? r.stderr
      let phases = line.replacing(/[0-9]+\.[0-9] ms/, with: "T")
      #expect(phases == "kproxy: timing: read + decode T, reconcile + compile T, read-back T, diff T, apply T (netlink backend)")
    }
  }

  @Test func theNftBackendWorksWhereLoopbackIsDown() throws {
    try Self.withNamespace { ns in
      for args in [["apply", "--backend", "nft", "-v"] + CLITests.demo, ["cleanup", "--backend", "nft", "-v"]] {
        let r = try Command.run(["ip", "netns", "exec", ns, try PacketTestPaths.kproxyBinary()] + args, timeout: 60)
        #expect(r.status == 0, "\(args[0]): \(r.stderr)")
        #expect(!r.stderr.contains("CFSocket"), "\(r.stderr)")
        let expectedDebug =
          args[0] == "apply"
          ? "kproxy: debug: read 3 services"
          : "kproxy: debug: deleting tables ip kproxy, ip6 kproxy (if present) in the current network namespace through the nft backend\n"
        #expect(r.stderr.contains(expectedDebug), "\(r.stderr)")
      }
      let listing = try Command.must(["ip", "netns", "exec", ns, "nft", "list", "ruleset"])
      #expect(listing.stdout.isEmpty, "cleanup left \(listing.stdout)")
    }
  }

  @Test func nftsOwnErrorIsReported() throws {
    try Self.withNamespace { ns in
      let outcome = try ChildProcess.run(
        ["ip", "netns", "exec", ns, "nft", "-f", "-"],
        input: "add table ip kp-test\nadd chain ip kp-test c { type nat hook nowhere priority 0; }\n")
      #expect(outcome.status == 1)
      #expect(outcome.standardError.contains("Error:"), "\(outcome.standardError)")
      #expect(outcome.standardError.contains("nowhere"), "\(outcome.standardError)")
    }
  }

  @Test func aChildThatStopsReadingIsNotASignalForUs() throws {
    // `true` never reads its stdin: writing 4 MiB to it fails with EPIPE, which must neither
    // kill this process (SIGPIPE) nor hide the child's own status.
    let outcome = try ChildProcess.run(["sh", "-c", "exec 0<&-; echo gone >&2; exit 7"], input: String(repeating: "x", count: 4 << 20))
    #expect(outcome.status == 7)
    #expect(outcome.standardError == "gone\n")
  }

  @Test func aMissingProgramIsNamed() throws {
    #expect {
      try ChildProcess.run(["kproxy-no-such-program"], input: "")
    } throws: { error in
      (error as? ChildProcessError)?.description == "start kproxy-no-such-program: No such file or directory (ENOENT)"
    }
  }
}

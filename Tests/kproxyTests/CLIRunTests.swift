// `kproxy run` from the outside without a kernel: dry-run prints one block per sync and follows
// a watched folder; SIGTERM ends it with status 0; bad flags and a missing source are errors.
import Foundation
import PacketTestSupport
import Testing

@Suite struct CLIRunTests {
  static func service(_ ip: String) -> String {
    "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  clusterIP: \(ip)\n  ports: [{port: 80}]\n"
  }

  /// Polls `file` until `condition` holds on its text, for at most `timeout` seconds.
  static func waitFor(_ file: String, timeout: Double = 15, _ condition: (String) -> Bool) -> String {
    let end = Date().addingTimeInterval(timeout)
    var text = ""
    while Date() < end {
      text = (try? String(contentsOfFile: file, encoding: .utf8)) ?? ""
      if condition(text) { return text }
      usleep(50_000)
    }
    return text
  }

  @Test func dryRunPrintsEachSyncAndFollowsTheFolder() throws {
    let manifest = try CLITests.tempFile(Self.service("10.96.0.5"), name: "web.yaml")
    let folder = (manifest as NSString).deletingLastPathComponent
    let out = folder + "/../" + UUID().uuidString + ".out"
    let err = out + ".err"
    defer {
      try? FileManager.default.removeItem(atPath: out)
      try? FileManager.default.removeItem(atPath: err)
    }
    let binary = try PacketTestPaths.kproxyBinary()
    let process = try Command.spawn([
      "sh", "-c",
      "exec \"$0\" run --mode dry-run --manifests \"$1\" --hostname-override n1 --healthz-bind-address '' --metrics-bind-address '' > \"$2\" 2> \"$3\"",
      binary, folder, out, err,
    ])
    defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
    let first = Self.waitFor(out) { $0.contains("10.96.0.5 . tcp . 80") }
    #expect(first.hasPrefix("# sync 1 at "), "\(first)")
    #expect(first.contains("10.96.0.5 . tcp . 80"), "\(first)")
    // An edit through a temporary file and a rename, as editors save.
    try Self.service("10.96.0.6").write(toFile: folder + "/.web.yaml.tmp", atomically: false, encoding: .utf8)
    #expect(rename(folder + "/.web.yaml.tmp", manifest) == 0)
    let second = Self.waitFor(out) { $0.contains("# sync 2 at ") && $0.contains("10.96.0.6") }
    #expect(second.contains("# sync 2 at "), "\(second)")
    #expect(second.components(separatedBy: "# sync 2 at ").last?.contains("10.96.0.6 . tcp . 80") == true, "\(second)")
    // A broken file keeps its last good objects: no new sync removes the service.
    try "spec: [".write(toFile: manifest, atomically: true, encoding: .utf8)
    let log = Self.waitFor(err) { $0.contains("web.yaml doc 1") }
    #expect(log.contains("error: \(manifest) doc 1: invalid YAML"), "\(log)")
    #expect(!((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains("# sync 3"))
    kill(process.processIdentifier, SIGTERM)
    process.waitUntilExit()
    #expect(process.terminationStatus == 0)
    let finalLog = (try? String(contentsOfFile: err, encoding: .utf8)) ?? ""
    #expect(finalLog.contains("SIGTERM: stopping; kproxy's rules stay in place"), "\(finalLog)")
  }

  @Test func runNeedsASource() throws {
    let r = try CLITests.kproxy(["run", "--mode", "dry-run"])
    #expect(r.status == 2)
    #expect(r.stderr.contains("no source: give --manifests PATH"), "\(r.stderr)")
  }

  @Test(arguments: [
    (["--sync-period", "3d"], "--sync-period: \"3d\" is not a duration (e.g. 30s, 1m, 500ms): unknown unit \"d\""),
    (["--healthz-bind-address", "10256"], "--healthz-bind-address: \"10256\" is not host:port (e.g. 0.0.0.0:10256)"),
  ])
  func badFlagsAreUsageErrors(flags: [String], expected: String) throws {
    let r = try CLITests.kproxy(["run", "--manifests", "/nonexistent"] + flags)
    #expect(r.status == 2)
    #expect(r.stderr.contains(expected), "\(r.stderr)")
  }
}

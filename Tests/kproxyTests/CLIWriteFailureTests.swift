// kproxy when stdout or stderr cannot be written (a full disk, a closed descriptor, a reader
// that went away): an error on stderr where possible and a non-zero exit status, never a crash.
import Foundation
import PacketTestSupport
import Testing

@Suite struct CLIWriteFailureTests {
  static let demo = CLITests.demo

  /// Runs kproxy through `sh -c` with `redirection` applied to it (e.g. `>/dev/full`, `>&-`).
  static func kproxy(_ args: [String], redirection: String) throws -> CommandResult {
    try Command.run(["sh", "-c", "exec \"$0\" \"$@\" \(redirection)", try PacketTestPaths.kproxyBinary()] + args, timeout: 60)
  }

  /// Runs kproxy with stdout on a pipe whose reading end is already closed: every write to it
  /// fails with EPIPE (or kills a process that does not ignore SIGPIPE).
  static func kproxyIntoClosedPipe(_ args: [String]) throws -> CommandResult {
    let pipe = Pipe()
    try pipe.fileHandleForReading.close()
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("kp-cli-\(UUID().uuidString).err")
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    let err = try FileHandle(forWritingTo: errURL)
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try PacketTestPaths.kproxyBinary())
    process.arguments = args
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = pipe.fileHandleForWriting
    process.standardError = err
    try process.run()
    process.waitUntilExit()
    try err.close()
    let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    let status = process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    return CommandResult(arguments: args, status: status, stdout: "", stderr: stderr, timedOut: false)
  }

  @Test func compileToAFullDiskFailsWithAMessage() throws {
    let r = try Self.kproxy(["compile"] + Self.demo, redirection: ">/dev/full")
    #expect(r.status == 2)
    #expect(r.stderr == "kproxy: error: cannot write to standard output: No space left on device (ENOSPC)\n")
  }

  @Test func compileWithStdoutClosedFailsWithAMessage() throws {
    let r = try Self.kproxy(["compile"] + Self.demo, redirection: ">&-")
    #expect(r.status == 2)
    #expect(r.stderr == "kproxy: error: cannot write to standard output: Bad file descriptor (EBADF)\n")
  }

  @Test(arguments: [
    ["compile"], ["diff", "--from", CLITests.root + "/fixtures/demo/manifests", "--to", CLITests.root + "/fixtures/nodeport/manifests"],
    ["--help"], ["--version"],
  ])
  func aReaderThatWentAwayIsAnErrorNotASignal(args: [String]) throws {
    let r = try Self.kproxyIntoClosedPipe(args + (args[0] == "compile" ? Self.demo : []))
    #expect(r.status == 2)
    #expect(r.stderr.hasSuffix("kproxy: error: cannot write to standard output: Broken pipe (EPIPE)\n"), "\(r.stderr)")
  }

  @Test func aNonBlockingStdoutWithASlowReaderGetsTheWholeScript() throws {
    // 3000 services make a script far larger than a pipe's buffer: writes hit EAGAIN on the
    // non-blocking pipe and must wait, not fail or lose bytes.
    var manifest = ""
    for i in 0..<3000 {
      manifest +=
        "---\napiVersion: v1\nkind: Service\nmetadata: {name: s\(i)}\nspec:\n  clusterIP: 10.96.\(i / 250).\(i % 250 + 1)\n  ports: [{port: 80}]\n"
    }
    let file = try CLITests.tempFile(manifest)
    let expected = try CLITests.kproxy(["compile", "--manifests", file])
    #expect(expected.status == 0)
    #expect(expected.stdout.utf8.count > 1 << 18)  // a pipe holds 64 KiB
    let reader = """
      import fcntl, os, subprocess, sys, time
      r, w = os.pipe()
      fcntl.fcntl(w, fcntl.F_SETFL, fcntl.fcntl(w, fcntl.F_GETFL) | os.O_NONBLOCK)
      p = subprocess.Popen(sys.argv[1:], stdout=w)
      os.close(w)
      time.sleep(0.3)
      out = bytearray()
      while True:
          b = os.read(r, 16384)
          if not b:
              break
          out += b
      sys.stdout.buffer.write(out)
      sys.exit(p.wait())
      """
    let r = try Command.run(["python3", "-c", reader, try PacketTestPaths.kproxyBinary(), "compile", "--manifests", file], timeout: 120)
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout == expected.stdout)
  }

  @Test func aFailedWarningIsAFailureAndNothingReachesStdout() throws {
    // The externalips fixture warns about a conflict; stderr is full, so the warning is lost:
    // the command must not go on as if it had told the user.
    let r = try Self.kproxy(
      [
        "compile", "--config", CLITests.root + "/fixtures/externalips/config.yaml", "--manifests",
        CLITests.root + "/fixtures/externalips/manifests",
      ],
      redirection: "2>/dev/full")
    #expect(r.status == 2)
    #expect(r.stdout.isEmpty)
  }

  @Test func versionIsPrinted() throws {
    let r = try CLITests.kproxy(["--version"])
    #expect(r.status == 0)
    #expect(r.stdout.hasPrefix("kproxy "))
    #expect(r.stdout.split(separator: " ").last?.first?.isNumber == true, "\(r.stdout)")
  }

  @Test func helpDocumentsTheExitStatuses() throws {
    var root = try CLITests.kproxy(["--help"])
    root.stdout = root.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(root.stdout.contains("3 `apply` or `cleanup` changed the kernel's tables but could not"), "\(root.stdout)")
    var apply = try CLITests.kproxy(["apply", "--help"])
    apply.stdout = apply.stdout.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    #expect(apply.stdout.contains("3 the transaction was committed but the report could not be written"), "\(apply.stdout)")
  }
}

/// `apply` into a full disk in a scratch namespace: the transaction is committed, and the exit
/// status (3) says so, unlike an error before the commit (2).
@Suite(.packetTestsEnabled) struct CLIApplyWriteFailureTests {
  @Test func applyToAFullDiskCommitsAndExitsThree() throws {
    try PacketTestPrerequisites.require()
    let ns = NamespaceNames.newPrefix() + "-cli"
    try Command.must(["ip", "netns", "add", ns])
    defer { NamespaceNames.delete(ns) }
    let r = try CLIWriteFailureTests.kproxy(["apply", "--netns", ns] + CLITests.demo, redirection: ">/dev/full")
    #expect(r.status == 3)
    #expect(
      r.stderr == "kproxy: error: the ruleset was applied, but cannot write to standard output: No space left on device (ENOSPC)\n",
      "\(r.stderr)")
    let listing = try Command.must(["ip", "netns", "exec", ns, "nft", "list", "table", "ip", "kproxy"])
    #expect(listing.stdout.contains("map endpoints-1"))
    // An error before the commit (a bad namespace) is 2, with nothing changed.
    let before = try CLIWriteFailureTests.kproxy(["apply", "--netns", "/etc/hostname"] + CLITests.demo, redirection: ">/dev/full")
    #expect(before.status == 2)
  }
}

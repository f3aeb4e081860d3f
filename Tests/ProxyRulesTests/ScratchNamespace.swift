// A throwaway network namespace for loading rulesets into a real kernel with `nft -f`:
// created per test with a unique name and always deleted, also when the test fails.
import Foundation
import Testing

final class ScratchNamespace {
  let name: String

  /// Creates the namespace. Needs root; without it the test fails, unless the developer set
  /// KPROXY_SKIP_NETNS=1 (CI never does), in which case `nil` is returned.
  static func make(_ label: String) throws -> ScratchNamespace? {
    if getuid() != 0 {
      if ProcessInfo.processInfo.environment["KPROXY_SKIP_NETNS"] == "1" { return nil }
      Issue.record("kernel tests need root (network namespaces); set KPROXY_SKIP_NETNS=1 to skip them on a developer machine")
      return nil
    }
    return try ScratchNamespace(label)
  }

  private init(_ label: String) throws {
    name = "kpt-\(label.prefix(12))-\(UInt32.random(in: 0...UInt32.max) % 100000)"
    try Self.run(["ip", "netns", "add", name])
  }

  deinit { _ = try? Self.run(["ip", "netns", "del", name]) }

  /// Runs `nft -f -` with `script` inside the namespace; throws with nft's stderr on failure.
  func load(_ script: String) throws {
    try Self.run(["ip", "netns", "exec", name, "nft", "-f", "-"], input: script)
  }

  func listRuleset() throws -> String {
    try Self.run(["ip", "netns", "exec", name, "nft", "list", "ruleset"])
  }

  struct CommandFailed: Error, CustomStringConvertible {
    var command: [String]
    var status: Int32
    var stderr: String
    var description: String { "\(command.joined(separator: " ")) exited \(status): \(stderr)" }
  }

  @discardableResult
  static func run(_ argv: [String], input: String? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    let out = Pipe()
    let inp = Pipe()
    // stderr goes to a file: reading two pipes in turn could block on a full one.
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("kpt-\(UUID().uuidString).err")
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    let errHandle = try FileHandle(forWritingTo: errURL)
    p.standardOutput = out
    p.standardError = errHandle
    p.standardInput = inp
    try p.run()
    try errHandle.close()
    if let input { inp.fileHandleForWriting.write(Data(input.utf8)) }
    try inp.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    guard p.terminationStatus == 0 else {
      throw CommandFailed(command: argv, status: p.terminationStatus, stderr: String(decoding: errData, as: UTF8.self))
    }
    return String(decoding: outData, as: UTF8.self)
  }
}

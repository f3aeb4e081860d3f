// A throwaway network namespace for kernel tests: created with a unique name, deleted when
// released (also when the test fails). Needs root; see `make`.
import Foundation
import Synchronization

public final class ScratchNamespace {
  public let name: String
  /// Namespaces made by this process so far: with the pid, a name no other test uses at the
  /// same time (a random suffix could collide when many tests run at once).
  private static let made = Atomic<Int>(0)

  /// Kernel tests need root: without it `make` throws, and the test fails with that message.
  /// Tests that make namespaces carry the `.kernelTests` condition, which skips them (reported
  /// as skipped) on an unprivileged machine whose developer set KPROXY_SKIP_NETNS=1.
  public static func make(_ label: String) throws -> ScratchNamespace {
    KernelTestCondition.ignoreBrokenPipes
    if getuid() != 0 {
      throw CommandFailed(
        command: ["ip", "netns", "add"], status: 1,
        stderr: "kernel tests need root (network namespaces); set KPROXY_SKIP_NETNS=1 to skip them on a developer machine")
    }
    return try ScratchNamespace(label)
  }

  private init(_ label: String) throws {
    name = "kpt-\(label.prefix(12))-\(getpid())-\(Self.made.add(1, ordering: .relaxed).newValue)"
    try Self.run(["ip", "netns", "add", name])
  }

  deinit { _ = try? Self.run(["ip", "netns", "del", name]) }

  /// Runs `nft ARGS` inside the namespace.
  @discardableResult
  public func nft(_ args: [String], input: String? = nil) throws -> String {
    try Self.run(["ip", "netns", "exec", name, "nft"] + args, input: input)
  }

  /// `nft -f -` with `script`; throws with nft's stderr on failure.
  public func load(_ script: String) throws { try nft(["-f", "-"], input: script) }

  public func listRuleset() throws -> String { try nft(["list", "ruleset"]) }

  /// Every set and map in the namespace with its kernel handle (`nft -a list ruleset`), keyed
  /// `FAMILY TABLE NAME` (`ip kproxy endpoints-1`): a set declared anew gets a new handle.
  public func setHandles() throws -> [String: Int] {
    var out: [String: Int] = [:]
    var table = ""
    for line in try nft(["-a", "list", "ruleset"]).split(separator: "\n") {
      let words = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      guard words.count >= 4, words[words.count - 2] == "handle", let handle = Int(words[words.count - 1]) else { continue }
      if words[0] == "table" {
        table = words[1] + " " + words[2]
      } else if words[0] == "set" || words[0] == "map" {
        out[table + " " + words[1]] = handle
      }
    }
    return out
  }

  public struct CommandFailed: Error, CustomStringConvertible {
    public var command: [String]
    public var status: Int32
    public var stderr: String
    public var description: String { "\(command.joined(separator: " ")) exited \(status): \(stderr)" }
  }

  /// Runs `argv` (looked up in PATH), feeding `input`; stdout is returned, stderr goes to a
  /// file (reading two pipes in turn could block on a full one).
  @discardableResult
  public static func run(_ argv: [String], input: String? = nil) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    let out = Pipe()
    let inp = Pipe()
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("kpt-\(UUID().uuidString).err")
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    let errHandle = try FileHandle(forWritingTo: errURL)
    p.standardOutput = out
    p.standardError = errHandle
    p.standardInput = inp
    try p.run()
    try errHandle.close()
    // A child that exits early (a failed `ip netns exec`) closes the pipe: the write fails
    // (SIGPIPE is ignored) and the child's status and stderr below say why.
    if let input { try? inp.fileHandleForWriting.write(contentsOf: Data(input.utf8)) }
    try? inp.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    let errData = (try? Data(contentsOf: errURL)) ?? Data()
    guard p.terminationStatus == 0 else {
      throw CommandFailed(command: argv, status: p.terminationStatus, stderr: String(decoding: errData, as: UTF8.self))
    }
    return String(decoding: outData, as: UTF8.self)
  }
}

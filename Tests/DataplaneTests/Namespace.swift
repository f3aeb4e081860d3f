// A throwaway network namespace for Dataplane tests (root needed; without it the tests fail
// unless KPROXY_SKIP_NETNS=1), deleted when released.
import Foundation
import NFTNetlink
import Testing

final class ScratchNetns {
  let name: String

  static func make(_ label: String) throws -> ScratchNetns? {
    if getuid() != 0 {
      if ProcessInfo.processInfo.environment["KPROXY_SKIP_NETNS"] == "1" { return nil }
      Issue.record("kernel tests need root (network namespaces); set KPROXY_SKIP_NETNS=1 to skip them on a developer machine")
      return nil
    }
    return try ScratchNetns(label)
  }

  private init(_ label: String) throws {
    name = "kpd-\(label.prefix(12))-\(UInt32.random(in: 0...UInt32.max) % 100000)"
    try Self.run(["ip", "netns", "add", name])
  }

  deinit { _ = try? Self.run(["ip", "netns", "del", name]) }

  var namespace: NetworkNamespace { NetworkNamespace(name) }

  func nft(_ args: String...) throws -> String { try Self.run(["ip", "netns", "exec", name, "nft"] + args) }

  @discardableResult
  static func run(_ argv: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else { throw Failed(command: argv.joined(separator: " ")) }
    return String(decoding: data, as: UTF8.self)
  }

  struct Failed: Error { var command: String }
}

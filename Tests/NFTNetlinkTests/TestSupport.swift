// Test support for the netlink backend: compiling fixtures in-process and throwaway network
// namespaces (needs root; without it tests fail unless KPROXY_SKIP_NETNS=1).
import Foundation
import KubeAPI
import KubeSource
import NFTables
import NFTNetlink
import ProxyRules
import ServiceProxy
import Testing

enum FixtureSet {
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

  static var scenarios: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return names.filter { FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/manifests").path) }.sorted()
  }

  static func ruleset(_ scenario: String) throws -> Ruleset {
    let dir = root.appendingPathComponent(scenario)
    let configURL = dir.appendingPathComponent("config.yaml")
    var config: KubeProxyConfiguration?
    if FileManager.default.fileExists(atPath: configURL.path) {
      config = try KubeProxyConfiguration.decode(String(contentsOf: configURL, encoding: .utf8), file: configURL.path)
    }
    let objects = try ManifestLoader().load(paths: [dir.appendingPathComponent("manifests").path])
    let node = NodeSettings().resolve(config: config, objects: objects, systemHostname: "unused")
    return RulesetCompiler.compile(Reconciler.reconcile(objects, node: node), node: node).ruleset
  }
}

/// A network namespace created for one test and deleted when released.
final class TestNamespace {
  let name: String

  static func make(_ label: String) throws -> TestNamespace? {
    if getuid() != 0 {
      if ProcessInfo.processInfo.environment["KPROXY_SKIP_NETNS"] == "1" { return nil }
      Issue.record("kernel tests need root (network namespaces); set KPROXY_SKIP_NETNS=1 to skip them on a developer machine")
      return nil
    }
    return try TestNamespace(label)
  }

  private init(_ label: String) throws {
    name = "kpn-\(label.prefix(12))-\(UInt32.random(in: 0...UInt32.max) % 100000)"
    try Self.run(["ip", "netns", "add", name])
  }

  deinit { _ = try? Self.run(["ip", "netns", "del", name]) }

  var namespace: NetworkNamespace { NetworkNamespace(name) }

  func nft(_ args: [String], input: String? = nil) throws -> String {
    try Self.run(["ip", "netns", "exec", name, "nft"] + args, input: input)
  }

  func load(_ script: String) throws { _ = try nft(["-f", "-"], input: script) }
  func listRuleset() throws -> String { try nft(["list", "ruleset"]) }

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
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("kpn-\(UUID().uuidString).err")
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

/// The first differing lines of two listings.
func firstDifferences(_ expected: String, _ actual: String) -> String {
  let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
  let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
  var out: [String] = []
  for i in 0..<max(e.count, a.count) where out.count < 20 {
    let el = i < e.count ? String(e[i]) : "<end>"
    let al = i < a.count ? String(a[i]) : "<end>"
    if el != al { out.append("line \(i + 1):\n  - \(el)\n  + \(al)") }
  }
  return out.joined(separator: "\n")
}

/// `nft list ruleset` with each table's sets, maps and chains sorted by header line (the
/// kernel lists objects in creation order, which an incremental update changes).
func sortedBlocks(_ listing: String) -> String {
  var out: [String] = []
  var blocks: [String] = []
  var current: [Substring] = []
  func flushBlock() {
    if !current.isEmpty { blocks.append(current.joined(separator: "\n")) }
    current = []
  }
  for line in listing.split(separator: "\n", omittingEmptySubsequences: false) {
    if line.hasPrefix("table ") {
      out.append(String(line))
    } else if line == "}" {
      flushBlock()
      out += blocks.sorted()
      blocks = []
      out.append("}")
    } else if line.isEmpty {
      flushBlock()
    } else if line.hasPrefix("\tset ") || line.hasPrefix("\tmap ") || line.hasPrefix("\tchain ") {
      flushBlock()
      current.append(line)
    } else {
      current.append(line)
    }
  }
  return out.joined(separator: "\n")
}

extension TestNamespace {
  /// `nft --debug=netlink list ruleset`: every rule's kernel expressions and every element's
  /// bytes, with rule handles dropped and elements sorted (hash sets dump in random order).
  func registerListing() throws -> String {
    let raw = try nft(["--debug=netlink", "list", "ruleset"])
    var out: [String] = []
    var elements: [String] = []
    func flushElements() {
      out += elements.sorted()
      elements = []
    }
    for line in raw.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("\telement ") {
        elements.append(String(line))
        continue
      }
      flushElements()
      if line.hasPrefix("table ") { break }  // the text listing follows the debug output
      var l = String(line)
      if !l.hasPrefix(" "), !l.hasPrefix("\t"), let sp = l.lastIndex(of: " "), l[l.index(after: sp)...].allSatisfy(\.isNumber) {
        l = String(l[..<sp])
      }
      out.append(l)
    }
    flushElements()
    return out.joined(separator: "\n")
  }
}

// The `nft` text backend: pipes a transaction's script to `nft -f -` (entering the network
// namespace with nsenter); reading back goes through netlink, which nft itself also uses.
import Foundation
import NFTNetlink
import NFTables

public final class NftBackend: Backend {
  let namespace: NetworkNamespace?
  let reader: NetlinkClient
  /// The nft binary (found on PATH by default).
  public var nftPath: String

  public init(namespace: NetworkNamespace? = nil, nftPath: String = "nft") throws {
    self.namespace = namespace
    self.nftPath = nftPath
    reader = try NetlinkClient(namespace: namespace)
  }

  public func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset {
    try reader.currentRuleset(tables: tables, spelling: spelling)
  }

  public func apply(_ tx: Transaction, desired: Ruleset) throws {
    if let e = tx.error { throw NftCommandError(status: -1, stderr: e.description) }
    guard !tx.isEmpty else { return }
    try runNft(script: tx.renderScript())
  }

  /// `nft -f -` fed with `script`, inside the namespace when one is set.
  public func runNft(script: String) throws {
    var argv = [nftPath, "-f", "-"]
    if let namespace { argv = ["nsenter", "--net=\(namespace.path)", "--"] + argv }
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = argv
    let input = Pipe()
    let errURL = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-nft-\(UUID().uuidString).err")
    _ = FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errURL) }
    let errHandle = try FileHandle(forWritingTo: errURL)
    p.standardInput = input
    p.standardOutput = FileHandle.nullDevice
    p.standardError = errHandle
    try p.run()
    try errHandle.close()
    input.fileHandleForWriting.write(Data(script.utf8))
    try input.fileHandleForWriting.close()
    p.waitUntilExit()
    guard p.terminationStatus == 0 else {
      let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
      throw NftCommandError(status: p.terminationStatus, stderr: err)
    }
  }
}

/// `nft -f` failed; `stderr` is nft's message (it names the offending line).
public struct NftCommandError: Error, CustomStringConvertible {
  public var status: Int32
  public var stderr: String
  public var description: String {
    "nft -f exited with status \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
  }
}

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

  /// `nft -f -` fed with `script`, inside the namespace when one is set (through `nsenter`).
  /// Started with posix_spawn (ChildProcess), which works even where Foundation's Process
  /// cannot (a namespace whose loopback is down); nft's own message is the error.
  public func runNft(script: String) throws {
    var argv = [nftPath, "-f", "-"]
    if let namespace { argv = ["nsenter", "--net=\(namespace.path)", "--"] + argv }
    let outcome: ChildOutcome
    do {
      outcome = try ChildProcess.run(argv, input: script)
    } catch {
      throw NftCommandError(status: -1, stderr: error.description)
    }
    guard outcome.status == 0 else { throw NftCommandError(status: outcome.status, stderr: outcome.standardError) }
  }
}

/// `nft -f` failed; `stderr` is nft's message (it names the offending line).
public struct NftCommandError: Error, Sendable, Equatable, CustomStringConvertible {
  public var status: Int32
  public var stderr: String
  public init(status: Int32, stderr: String) {
    self.status = status
    self.stderr = stderr
  }
  public var description: String {
    if status < 0 { return "nft -f: \(stderr)" }
    return "nft -f exited with status \(status): \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))"
  }
}

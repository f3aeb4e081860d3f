// The dry-run backend: prints each sync's transaction as nft text (one block per sync, headed
// by `# sync N at <ISO time>: <cause>`) and never touches the kernel; what it printed is its state.
import Foundation
import NFTables

/// Writes transactions to `output` instead of applying them. Read-back and the generation
/// come from an in-memory kernel holding everything printed so far, so the loop behaves as
/// with a kernel (its first sync creates the tables).
public actor DryRunBackend: TransactionBackend {
  private var kernel = InMemoryKernel()
  private var generationID: UInt32 = 1
  private let output: @Sendable (String) throws -> Void

  /// `output` receives one block per sync (a failure to write is the sync's error).
  public init(output: @escaping @Sendable (String) throws -> Void) {
    self.output = output
  }

  /// The heading of a sync's block: `# sync 3 at 2026-12-04T17:30:00.250Z: 2 service ports changed`.
  public static func heading(_ context: SyncContext) -> String {
    let format = ISO8601DateFormatter()
    format.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    let time = format.string(from: context.date)
    return "# sync \(context.number) at \(time): \(context.cause)"
  }

  public func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext) throws {
    if let e = tx.error { throw DataplaneError.netlink(.lowering(operation: "validate transaction", reason: e.description)) }
    var next = kernel
    do {
      try next.apply(tx)
    } catch {
      throw DataplaneError.inMemory(error)
    }
    do {
      try output(Self.heading(context) + "\n" + tx.renderScript())
    } catch {
      throw DataplaneError.output("\(error)")
    }
    kernel = next
    generationID &+= 1
  }

  public func currentRuleset(tables: [TableRef], spelling: Ruleset?) -> Ruleset {
    Ruleset(tables: tables.compactMap { ref in kernel.ruleset.tables.first { $0.ref == ref } })
  }

  public func generation() -> UInt32 { generationID }
}

// The transaction layer of the dataplane: something that applies a ready nf_tables transaction
// atomically, reads kproxy's tables back and tells the ruleset generation (async, Sendable).
import Foundation
import NFTables

/// What the loop tells a backend about the sync a transaction belongs to.
public struct SyncContext: Sendable, Hashable {
  /// The sync's number, from 1.
  public var number: Int
  /// Why it runs (`SyncCause.description`).
  public var cause: String
  /// Wall-clock time of its start (for the dry-run heading).
  public var date: Date

  public init(number: Int, cause: String, date: Date) {
    self.number = number
    self.cause = cause
    self.date = date
  }
}

/// Puts transactions into nf_tables (or somewhere that stands for it). Errors are
/// `DataplaneError`s.
public protocol TransactionBackend: Sendable {
  /// Applies `tx` atomically: every command or none. `knownSets` holds declarations of sets
  /// the transaction's rules may use without declaring them (the kernel is asked otherwise).
  func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext) async throws
  /// The given tables as the kernel holds them (absent ones left out; elements of dynamic
  /// sets left out: they are the kernel's state). `spelling` is the desired ruleset.
  func currentRuleset(tables: [TableRef], spelling: Ruleset?) async throws -> Ruleset
  /// As `currentRuleset`, skipping the elements of sets bigger than `elementDumpLimit` (see
  /// `Backend.currentRuleset(tables:spelling:elementDumpLimit:)`).
  func currentRuleset(tables: [TableRef], spelling: Ruleset?, elementDumpLimit: Int) async throws -> (Ruleset, UnreadElements)
  /// The ruleset generation (nf_tables' NFT_MSG_GETGEN): every committed batch, anyone's,
  /// moves it by one.
  func generation() async throws -> UInt32
  /// Applies `tx` only if the generation is still `generation` (else a stale-generation
  /// error, `DataplaneError.isStaleGeneration`) and returns the generation the commit
  /// produced when known exactly.
  func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext, expectingGeneration generation: UInt32) async throws -> UInt32?
  /// The network namespace the backend works in, when it can commit against a generation
  /// (what a set state file needs); nil otherwise.
  func namespaceIdentity() async throws -> NamespaceIdentity?
}

extension TransactionBackend {
  /// Backends that cannot skip elements read everything.
  public func currentRuleset(tables: [TableRef], spelling: Ruleset?, elementDumpLimit: Int) async throws -> (Ruleset, UnreadElements) {
    (try await currentRuleset(tables: tables, spelling: spelling), [:])
  }

  /// Backends that cannot check the generation in the commit: applied, then the generation is
  /// taken as the commit's if it moved by exactly one (someone else committing at the same
  /// moment is not excluded: nothing exact is derived from it).
  public func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext, expectingGeneration generation: UInt32) async throws
    -> UInt32?
  {
    try await apply(tx, knownSets: knownSets, context: context)
    guard let now = try? await self.generation() else { return nil }
    return now == generation &+ 1 ? now : nil
  }

  public func namespaceIdentity() async throws -> NamespaceIdentity? { nil }
}

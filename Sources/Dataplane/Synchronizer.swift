// One sync of kproxy's tables: read what the kernel has, compute the difference to the desired
// ruleset and apply it as one atomic transaction (or replace everything when asked to).
import NFTNetlink
import NFTables

public struct Synchronizer {
  public enum Mode: String, Sendable {
    /// Tables were replaced wholesale (`--full`, or the kernel state was not readable).
    case full
    /// Only the difference to the kernel's tables was sent.
    case incremental
    /// Nothing differed.
    case unchanged
  }

  public struct Outcome: Sendable {
    public var mode: Mode
    public var commands: Int
    /// Why an incremental sync fell back to a full replace, if it did.
    public var fallbackReason: String?
    /// Time spent reading kproxy's tables back, computing the difference, applying it.
    public var readBack: Duration = .zero
    public var diff: Duration = .zero
    public var apply: Duration = .zero
  }

  public let backend: Backend
  public init(backend: Backend) { self.backend = backend }

  /// Brings kproxy's tables to `desired`. Without `full`, the tables are read back and only
  /// the difference is applied; when they hold something kproxy does not write, everything
  /// is replaced instead. Either way `desired.absentTables` are deleted if present, in the
  /// same transaction.
  public func sync(to desired: Ruleset, full: Bool) throws -> Outcome {
    if full { return try replace(desired, reason: nil, readBack: .zero) }
    let clock = ContinuousClock()
    let t0 = clock.now
    let current: Ruleset
    do {
      // The absent tables are read too, so that the difference deletes them (a family the node
      // no longer serves) in the same transaction.
      current = try backend.currentRuleset(tables: desired.tables.map(\.ref) + desired.absentTables, spelling: desired)
    } catch let e as NetlinkError {
      guard case .unexpectedReply(let why) = e else { throw e }
      return try replace(desired, reason: why, readBack: clock.now - t0)
    }
    let t1 = clock.now
    let tx = current.diff(to: desired)
    let t2 = clock.now
    if tx.isEmpty { return Outcome(mode: .unchanged, commands: 0, readBack: t1 - t0, diff: t2 - t1) }
    try backend.apply(tx, desired: desired)
    return Outcome(mode: .incremental, commands: tx.commands.count, readBack: t1 - t0, diff: t2 - t1, apply: clock.now - t2)
  }

  func replace(_ desired: Ruleset, reason: String?, readBack: Duration) throws -> Outcome {
    let clock = ContinuousClock()
    let t0 = clock.now
    let tx = desired.replaceTransaction()
    try backend.apply(tx, desired: desired)
    return Outcome(mode: .full, commands: tx.commands.count, fallbackReason: reason, readBack: readBack, apply: clock.now - t0)
  }
}

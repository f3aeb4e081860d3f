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
  /// How often a read-back that the ruleset kept changing under is tried before giving up
  /// (each try is itself retried by the reader while the generation moves).
  public static let readAttempts = 3
  /// Sets with more desired elements than this are flushed and refilled instead of read back.
  public let elementLimit: Int
  public init(backend: Backend, elementLimit: Int = readBackElementLimit) {
    self.backend = backend
    self.elementLimit = elementLimit
  }

  /// Brings kproxy's tables to `desired`. Without `full`, the tables are read back and only
  /// the difference is applied; when they hold something kproxy does not write, or cannot be
  /// parsed, everything is replaced instead (`fallbackReason` says why). A read-back that the
  /// ruleset kept changing under is tried again; a transaction the encoder cannot hold is an
  /// error, never a reason to replace. Either way `desired.absentTables` are deleted if present, in the
  /// same transaction.
  public func sync(to desired: Ruleset, full: Bool) throws -> Outcome {
    if full { return try replace(desired, reason: nil, readBack: .zero) }
    let clock = ContinuousClock()
    let t0 = clock.now
    var current = Ruleset()
    var unread = UnreadElements()
    var attempt = 0
    while true {
      do {
        // The absent tables are read too, so that the difference deletes them (a family the
        // node no longer serves) in the same transaction.
        (current, unread) = try backend.currentRuleset(
          tables: desired.tables.map(\.ref) + desired.absentTables, spelling: desired, elementDumpLimit: elementLimit)
        break
      } catch NetlinkError.foreignObject(let why) {
        // Not ours to diff: replacing is the only way to the desired state.
        return try replace(desired, reason: why, readBack: clock.now - t0)
      } catch NetlinkError.unparsable(let why) {
        // Our own tables, but unreadable: reported through the reason, and replaced.
        return try replace(desired, reason: "cannot parse \(why)", readBack: clock.now - t0)
      } catch NetlinkError.concurrentChange where attempt + 1 < Self.readAttempts {
        // Someone is changing the ruleset right now: read again rather than replace.
        attempt += 1
      }
    }
    let t1 = clock.now
    let tx = current.diff(to: desired, unreadElements: unread)
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

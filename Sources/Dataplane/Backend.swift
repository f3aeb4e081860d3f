// The interface between kproxy and the kernel: a backend reads kproxy's tables back and
// applies transactions to them atomically (through netlink, or as an `nft -f` script).
import NFTables

/// Something that can program kproxy's tables into nf_tables.
public protocol Backend {
  /// The given tables as the kernel has them now (absent tables are left out). `spelling` is
  /// the desired ruleset, which decides how equivalent values are written back.
  func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset
  /// As `currentRuleset`, except that sets whose desired contents exceed `elementDumpLimit`
  /// elements are not dumped (a set dump costs the kernel time quadratic in its size): they
  /// come back empty and named in `unread`, and `diff(to:unreadElements:)` flushes and refills them.
  func currentRuleset(tables: [TableRef], spelling: Ruleset?, elementDumpLimit: Int) throws -> (Ruleset, UnreadElements)
  /// Applies `tx` atomically; `desired` is the ruleset `tx` leads to.
  func apply(_ tx: Transaction, desired: Ruleset) throws
}

/// Sets with more elements than this are refilled (flush + every element, one transaction)
/// rather than read back: at 100k elements a dump costs about as much kernel time as writing
/// the set's elements again, and beyond it much more (BENCHMARKS.md, "Read-back of large sets").
public let readBackElementLimit = 100_000

extension Backend {
  /// Backends that cannot skip elements read everything.
  public func currentRuleset(tables: [TableRef], spelling: Ruleset?, elementDumpLimit: Int) throws -> (Ruleset, UnreadElements) {
    (try currentRuleset(tables: tables, spelling: spelling), [:])
  }

  /// Deletes the given tables if they exist, in one transaction (`add` first, so that an
  /// absent table is not an error), touching nothing else.
  public func deleteTables(_ refs: [TableRef]) throws {
    var tx = Transaction()
    for r in refs {
      tx.add(.addTable(r, comment: nil))
      tx.add(.deleteTable(r))
    }
    try apply(tx, desired: Ruleset())
  }
}

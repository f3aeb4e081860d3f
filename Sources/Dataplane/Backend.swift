// The interface between kproxy and the kernel: a backend reads kproxy's tables back and
// applies transactions to them atomically (through netlink, or as an `nft -f` script).
import NFTables

/// Something that can program kproxy's tables into nf_tables.
public protocol Backend {
  /// The given tables as the kernel has them now (absent tables are left out). `spelling` is
  /// the desired ruleset, which decides how equivalent values are written back.
  func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset
  /// Applies `tx` atomically; `desired` is the ruleset `tx` leads to.
  func apply(_ tx: Transaction, desired: Ruleset) throws
}

extension Backend {
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

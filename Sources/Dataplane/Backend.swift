// The interface between kproxy and the kernel: a backend puts a ruleset into nf_tables
// (netlink or `nft -f`), reads kproxy's tables back, and removes them.
import NFTables

/// Something that can program kproxy's tables into the kernel.
public protocol Backend {
  /// kproxy's tables as the kernel has them now (absent tables are left out).
  func currentRuleset(tables: [TableRef]) throws -> Ruleset
  /// Applies `tx` atomically; `desired` is the ruleset `tx` leads to.
  func apply(_ tx: Transaction, desired: Ruleset) throws
}

// The netlink backend: libnftnl messages in one NFNL batch per transaction, and read-back
// of kproxy's tables straight from the kernel.
import NFTNetlink
import NFTables

public final class NetlinkBackend: Backend {
  let client: NetlinkClient

  /// Opens a netlink socket, inside `namespace` when given.
  public init(namespace: NetworkNamespace? = nil) throws {
    client = try NetlinkClient(namespace: namespace)
  }

  public func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset {
    try client.currentRuleset(tables: tables, spelling: spelling)
  }

  public func currentRuleset(tables: [TableRef], spelling: Ruleset?, elementDumpLimit: Int) throws -> (Ruleset, UnreadElements) {
    let read = try client.currentRuleset(tables: tables, spelling: spelling, elementDumpLimit: elementDumpLimit)
    return (read.ruleset, read.unread)
  }

  public func apply(_ tx: Transaction, desired: Ruleset) throws {
    try client.apply(tx, knownSets: desired)
  }
}

extension NetlinkBackend {
  /// The counter objects of `table` with their values (one GETOBJ dump; `kproxy run --counters`).
  public func counters(table: TableRef) throws -> [CounterObject] {
    try client.counters(table: table)
  }

  /// The elements a dynamic set holds now (clients an affinity set remembers; `kproxy status`).
  public func learnedElements(table: TableRef, set: String) throws -> [LearnedElement] {
    try client.learnedElements(table: table, set: set)
  }
}

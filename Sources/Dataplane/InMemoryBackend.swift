// A transaction backend over `InMemoryKernel` for tests of the sync loop in milliseconds, with
// faults on demand: failed applies, failed read-backs, other processes' commits, learned clients.
import NFTNetlink
import NFTables

/// nf_tables in memory, with a generation id that moves by one per committed transaction.
public actor InMemoryBackend: TransactionBackend {
  public private(set) var kernel: InMemoryKernel
  public private(set) var generationID: UInt32
  /// Every transaction committed by `apply`, in order.
  public private(set) var applied: [Transaction] = []
  /// How many read-backs were asked for.
  public private(set) var readBacks = 0
  private var applyFailures: [DataplaneError] = []
  private var readBackFailures: [DataplaneError] = []

  public init(_ kernel: InMemoryKernel = InMemoryKernel(), generation: UInt32 = 1) {
    self.kernel = kernel
    generationID = generation
  }

  public func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext) throws {
    if !applyFailures.isEmpty { throw applyFailures.removeFirst() }
    if let e = tx.error { throw DataplaneError.netlink(.lowering(operation: "validate transaction", reason: e.description)) }
    guard !tx.isEmpty else { return }
    do {
      try kernel.apply(tx)
    } catch {
      throw DataplaneError.inMemory(error)
    }
    generationID &+= 1
    applied.append(tx)
  }

  public func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset {
    readBacks += 1
    if !readBackFailures.isEmpty { throw readBackFailures.removeFirst() }
    var out = Ruleset()
    for ref in tables {
      guard var t = kernel.ruleset.tables.first(where: { $0.ref == ref }) else { continue }
      for i in t.sets.indices where t.sets[i].flags.contains(.dynamic) { t.sets[i].elements = [] }
      out.tables.append(t)
    }
    return out
  }

  public func generation() -> UInt32 { generationID }

  // MARK: Faults

  /// The next apply fails with `error` (one failure per call; they queue up).
  public func failNextApply(_ error: DataplaneError = .injected("apply refused")) { applyFailures.append(error) }

  /// Forgets injected failures that no apply or read-back consumed.
  public func clearInjectedFailures() {
    applyFailures = []
    readBackFailures = []
  }

  /// The next read-back fails with `error` (e.g. `.netlink(.concurrentChange(…))`).
  public func failNextReadBack(_ error: DataplaneError) { readBackFailures.append(error) }

  /// Another process commits `tx`: the generation moves, kproxy's tables change under it.
  public func commitForeign(_ tx: Transaction) throws {
    try kernel.apply(tx)
    generationID &+= 1
  }

  /// Packets add elements to a dynamic set (a client learned by an affinity set): the
  /// generation does not move, as in the kernel.
  public func learn(_ elements: [Element], inSet set: String, of table: TableRef) throws {
    guard let header = kernel.ruleset.tables.first(where: { $0.ref == table })?.sets.first(where: { $0.name == set })?.header,
      header.flags.contains(.dynamic)
    else { throw DataplaneError.injected("no dynamic set \(set) in \(table)") }
    var tx = Transaction()
    tx.add(.addElements(table, set: header, elements))
    try kernel.apply(tx)
  }
}

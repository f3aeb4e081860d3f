// The nftables mode: folds each batch of changes into the current state, compiles the changed
// service ports incrementally and applies the transaction; adopts existing tables on the first
// sync, resyncs (read back + diff) after a failure or someone else's commit.
import NFTNetlink
import NFTables
import ProxyRules
import ServiceProxy
import Synchronization

/// kproxy's nftables dataplane over a transaction backend.
///
/// - First sync (and any sync after a failed one): the kernel's kproxy tables are read back and
///   diffed against the full desired ruleset (restart adoption: no rule missing at any
///   moment, learned affinity kept). Tables holding objects kproxy does not write, or that
///   cannot be parsed, are replaced; a read-back the ruleset kept changing under is retried.
/// - Otherwise: the incremental compiler's transaction for the changed service ports.
/// - A node change (`ProxyChanges.full` with another `NodeConfig`): the difference between the
///   full compiles for the old and the new node, and a fresh incremental compiler.
/// - Periodic syncs compare the ruleset generation with the one after kproxy's last commit
///   (each commit moves it by one) and read back and repair only when someone else committed.
public actor NFTablesMode: ProxyMode {
  public let backend: TransactionBackend
  /// How often a read-back that the ruleset kept changing under is tried per sync.
  public static let readAttempts = 3

  private var node: NodeConfig?
  private var ports: [ServicePortKey: ServicePortInfo] = [:]
  private var reconcilerWarnings: [String] = []
  private var compiler: IncrementalCompiler?
  /// The next sync compares the kernel's tables with the whole desired state.
  private var needsResync = true
  /// The generation after kproxy's last commit, when known to be kproxy's.
  private var expectedGeneration: UInt32?
  /// The compiler's warnings (lost claims, NodePorts without addresses) for the last full
  /// state: the first sync, a resync, a node change, a `full` batch of changes.
  public private(set) var warnings: [String] = []

  /// Sets with more desired elements than this are flushed and refilled instead of read back.
  public let elementLimit: Int

  /// Where the elements of the sets above `elementLimit` are kept for the next start (nil: none).
  public let store: SetStateStore?
  /// What the last read-back's look-up in the store found (nil when none was made).
  public private(set) var lastSetStateLookup: SetStateStore.Lookup?
  /// The generation the file in the store was last written for, and the write under way.
  private var savedGeneration: UInt32?
  private var pendingWrite: Task<UInt32?, Never>?

  /// Run after each set state file written (the agent gives the freed heap back to the kernel).
  let onSetStateWritten: @Sendable () -> Void

  public init(
    backend: TransactionBackend, elementLimit: Int = readBackElementLimit, store: SetStateStore? = nil,
    onSetStateWritten: @escaping @Sendable () -> Void = {}
  ) {
    self.backend = backend
    self.elementLimit = elementLimit
    self.store = store
    self.onSetStateWritten = onSetStateWritten
  }

  /// The state the mode is bringing the dataplane to (sorted as the reconciler sorts it).
  public var state: ProxyState {
    ProxyState(servicePorts: ports.keys.sorted().map { ports[$0]! }, warnings: reconcilerWarnings)
  }

  /// The same service ports unsorted, for consumers that do not care about order (the
  /// conntrack plan, health checks after every sync): no sort of the whole cluster.
  public var servicePorts: [ServicePortInfo] { Array(ports.values) }

  public func sync(_ changes: ProxyChanges, cause: SyncCause, context: SyncContext) async throws -> ModeSyncReport {
    let oldNode = node
    let oldState = oldNode != nil && oldNode != changes.node && !needsResync ? state : nil
    fold(changes)
    // `state` sorts every service port: computed only on the paths that need all of them, never
    // for a partial sync (at 10k services it was most of a one-endpoint sync).
    let node = changes.node
    guard !needsResync, var compiler else { return try await resync(self.state, node, context, drift: false) }
    if let oldState, let oldNode { return try await rebuild(from: oldState, oldNode, to: self.state, node, context) }
    if cause == .periodic {
      let now = try await backend.generation()
      if now != expectedGeneration { return try await resync(self.state, node, context, drift: true) }
    }
    if changes.isEmpty { return ModeSyncReport(full: false, commands: 0) }
    // Out of step until the kernel confirms: a failure makes the next sync a full one.
    needsResync = true
    self.compiler = nil
    let tx: Transaction
    if changes.full != nil {
      tx = compiler.update(to: self.state)
      warnings = compiler.warnings
    } else {
      tx = compiler.update(changed: changes.changed, removed: changes.removed.map { ($0.family, $0.name) })
    }
    do {
      try await commit(tx, knownSets: Ruleset(), context)
    } catch let e as DataplaneError where e.isStaleGeneration {
      // Someone else committed since kproxy's last commit: nothing was applied; read back.
      return try await resync(self.state, node, context, drift: true)
    }
    self.compiler = compiler
    needsResync = false
    return ModeSyncReport(full: false, commands: tx.commands.count)
  }

  private func fold(_ changes: ProxyChanges) {
    changes.apply(to: &ports)
    reconcilerWarnings = changes.warnings
    node = changes.node
  }

  /// Reads the kernel's tables back and applies the difference to the full desired ruleset.
  private func resync(_ state: ProxyState, _ node: NodeConfig, _ context: SyncContext, drift: Bool) async throws -> ModeSyncReport {
    needsResync = true
    compiler = nil
    // The one compile of a full sync: the incremental compiler for the next syncs (each service
    // port's fragment, built on every core) and the full ruleset assembled from its fragments
    // (dropped if the sync fails).
    let next = IncrementalCompiler(state, node: node)
    let compiled = next.compiled()
    let desired = compiled.ruleset
    var tx = Transaction()
    var replaceReason: String?
    var attempt = 0
    var before = try await backend.generation()
    // The sets above the read-back limit as kproxy's last commit left them, when the kernel
    // is still at the generation that commit produced (each commit below is checked against
    // `before`, so nothing read here can be stale when it commits).
    // No identity (a kernel without SO_NETNS_COOKIE, before 5.14): no file, the refill as before.
    let identity = store != nil ? (try? await backend.namespaceIdentity()) ?? nil : nil
    while true {
      do {
        var lookup: SetStateStore.Lookup?
        if let store, let identity { lookup = store.lookup(identity, generation: before) }
        lastSetStateLookup = lookup
        let (current, unread) = try await backend.currentRuleset(
          tables: desired.tables.map(\.ref) + desired.absentTables, spelling: desired, elementDumpLimit: elementLimit)
        tx = SetStateStore.diff(current, to: desired, unread: unread, known: lookup?.sets)
        expectedGeneration = before
        try await commit(tx, knownSets: desired, context)
        break
      } catch let e as DataplaneError where e.isStaleGeneration && attempt + 1 < Self.readAttempts {
        // Another commit between the read and ours: nothing was applied; read again.
        attempt += 1
        before = try await backend.generation()
        continue
      } catch let e as DataplaneError {
        switch e.netlinkError {
        case .foreignObject(let why)?:
          // Not ours to diff: replacing is the only way to the desired state.
          replaceReason = why
        case .unparsable(let why)?:
          replaceReason = "cannot parse \(why)"
        case .concurrentChange? where attempt + 1 < Self.readAttempts:
          attempt += 1
          continue
        default: throw e
        }
        tx = desired.replaceTransaction()
        // The replacement depends on nothing read: checked against the generation right before.
        expectedGeneration = try await backend.generation()
        try await commit(tx, knownSets: desired, context)
        break
      }
    }
    if let store, let identity {
      // An exact file and nothing sent: the file still describes the kernel.
      if tx.isEmpty && lastSetStateLookup?.sets != nil { savedGeneration = expectedGeneration } else { record(desired, store, identity) }
    }
    warnings = compiled.warnings
    compiler = next
    needsResync = false
    return ModeSyncReport(full: true, commands: tx.commands.count, repairedDrift: drift && !tx.isEmpty, replaceReason: replaceReason)
  }

  /// A node change: the difference between the full rulesets for the old and the new node.
  private func rebuild(
    from oldState: ProxyState, _ oldNode: NodeConfig, to state: ProxyState, _ node: NodeConfig, _ context: SyncContext
  ) async throws -> ModeSyncReport {
    // The previous compiler holds the old ruleset (when the last sync succeeded).
    let old = compiler?.compiled().ruleset ?? RulesetCompiler.compile(oldState, node: oldNode).ruleset
    needsResync = true
    compiler = nil
    let next = IncrementalCompiler(state, node: node)
    let compiled = next.compiled()
    let tx = old.diff(to: compiled.ruleset)
    try await commit(tx, knownSets: compiled.ruleset, context)
    warnings = compiled.warnings
    compiler = next
    needsResync = false
    return ModeSyncReport(full: true, commands: tx.commands.count)
  }

  /// Applies `tx` (nothing when empty) and keeps track of the generation: when the commit
  /// moved it by exactly one from the expected value, the new one is expected; otherwise
  /// someone else committed too, and the next periodic sync reads back.
  private func commit(_ tx: Transaction, knownSets: Ruleset, _ context: SyncContext) async throws {
    guard !tx.isEmpty else { return }
    let expected = expectedGeneration
    expectedGeneration = nil
    if let expected {
      // Refused if anyone committed since `expected` (netlink); the generation it produced.
      expectedGeneration = try await backend.apply(tx, knownSets: knownSets, context: context, expectingGeneration: expected)
    } else {
      try await backend.apply(tx, knownSets: knownSets, context: context)
    }
  }

  /// Writes the set state file for the generation kproxy's last commit produced (removes it
  /// when that is unknown), on another thread: the sync does not wait for it (at 50k services,
  /// 1M elements, ~22 MB). A failure to write only costs the next start a refill.
  private func record(_ desired: Ruleset, _ store: SetStateStore, _ id: NamespaceIdentity) {
    // Only the recorded sets' element arrays are kept for the write, not the whole ruleset; and
    // they are let go before `onSetStateWritten` (which gives freed memory back).
    let sets = Mutex(SetStateStore.recorded(desired, limit: elementLimit))
    let generation = expectedGeneration
    let previous = pendingWrite
    let written = onSetStateWritten
    savedGeneration = nil
    pendingWrite = Task.detached(priority: .utility) {
      // One write at a time, in order: the last one names the latest generation.
      _ = await previous?.value
      let result = Self.write(
        sets.withLock { s in
          defer { s = [:] }; return s
        }, generation, store, id)
      written()
      return result
    }
  }

  private static func write(
    _ sets: [TableRef: [String: [Element]]], _ generation: UInt32?, _ store: SetStateStore, _ id: NamespaceIdentity
  ) -> UInt32? {
    guard let generation, !sets.isEmpty else {
      store.remove(inode: id.inode)
      return nil
    }
    do {
      try store.save(SetState(bootID: id.bootID, namespaceCookie: id.cookie, generation: generation, tables: sets), inode: id.inode)
      return generation
    } catch {
      store.remove(inode: id.inode)
      return nil
    }
  }

  /// Waits for the set state file being written, if any; the generation it was written for.
  public func setStateWritten() async -> UInt32? {
    guard let pendingWrite else { return savedGeneration }
    savedGeneration = await pendingWrite.value
    self.pendingWrite = nil
    return savedGeneration
  }

  /// Writes the set state file for the current state (on shutdown: the file written after the
  /// first sync went stale with every later commit). Compiles the whole state once.
  public func saveSetState() async {
    guard let store, !needsResync, let node, let id = try? await backend.namespaceIdentity() else { return }
    guard let generation = expectedGeneration, (try? await backend.generation()) == generation else {
      return store.remove(inode: id.inode)
    }
    // Nothing committed since the file was written: it is exact already.
    if await setStateWritten() == generation { return }
    record(RulesetCompiler.compile(state, node: node).ruleset, store, id)
    _ = await setStateWritten()
  }
}

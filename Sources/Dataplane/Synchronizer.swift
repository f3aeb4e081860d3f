// One sync of kproxy's tables: read what the kernel has, compute the difference to the desired
// ruleset and apply it as one atomic transaction (or replace everything when asked to).
import Foundation
import NFTNetlink
import NFTables
import Synchronization

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
    /// What the set state file gave (nil without a store or a generation-checked backend).
    public var setState: SetStateStore.Lookup?
    /// Reading it, and writing it after the commit.
    public var stateRead: Duration = .zero
    public var stateWrite: Duration = .zero
  }

  public let backend: Backend
  /// How often a read-back that the ruleset kept changing under is tried before giving up
  /// (each try is itself retried by the reader while the generation moves).
  public static let readAttempts = 3
  /// Sets with more desired elements than this are flushed and refilled instead of read back.
  public let elementLimit: Int
  /// Where the elements of the sets above `elementLimit` are kept between runs (nil: none).
  public let store: SetStateStore?
  public init(backend: Backend, elementLimit: Int = readBackElementLimit, store: SetStateStore? = nil) {
    self.backend = backend
    self.elementLimit = elementLimit
    self.store = store
  }

  /// Brings kproxy's tables to `desired`. Without `full`, the tables are read back and only
  /// the difference is applied; when they hold something kproxy does not write, or cannot be
  /// parsed, everything is replaced instead (`fallbackReason` says why). A read-back that the
  /// ruleset kept changing under is tried again; a transaction the encoder cannot hold is an
  /// error, never a reason to replace. Either way `desired.absentTables` are deleted if present, in the
  /// same transaction.
  public func sync(to desired: Ruleset, full: Bool) throws -> Outcome {
    guard let store, let checked = backend as? GenerationCheckedBackend, let id = (try? checked.namespaceIdentity()) ?? nil else {
      return try sync(to: desired, full: full, known: nil)
    }
    // A batch computed against a generation is refused once another commit moved it: read
    // again (the file, if it was exact, is stale now and the sets are refilled).
    var attempt = 0
    while true {
      do {
        return try sync(to: desired, full: full, known: (checked, store, id))
      } catch let e as NetlinkError where e.isStaleGeneration && attempt + 1 < Self.readAttempts {
        attempt += 1
      }
    }
  }

  typealias KnownState = (backend: GenerationCheckedBackend, store: SetStateStore, id: NamespaceIdentity)

  func sync(to desired: Ruleset, full: Bool, known: KnownState?) throws -> Outcome {
    let clock = ContinuousClock()
    let t0 = clock.now
    // The generation every read below must still hold when the batch commits.
    let generation = try known?.backend.generation()
    if full { return try replace(desired, reason: nil, readBack: .zero, known: known, generation: generation) }
    // On the second core while this one reads back: the file (read and decoded) and the
    // encoding of the file to write after the commit (its generation filled in then).
    let side = known.flatMap { k in generation.map { SideWork(k, generation: $0, desired: desired, limit: elementLimit) } }
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
        return try replace(desired, reason: why, readBack: clock.now - t0, known: known, generation: generation)
      } catch NetlinkError.unparsable(let why) {
        // Our own tables, but unreadable: reported through the reason, and replaced.
        return try replace(desired, reason: "cannot parse \(why)", readBack: clock.now - t0, known: known, generation: generation)
      } catch NetlinkError.concurrentChange where attempt + 1 < Self.readAttempts {
        // Someone is changing the ruleset right now: read again rather than replace.
        attempt += 1
      }
    }
    let readBack = clock.now - t0
    let lookup = side?.lookup()
    let t1 = clock.now
    // The sets the file knows exactly need no refill: only their changed elements are sent.
    let tx = SetStateStore.diff(current, to: desired, unread: unread, known: lookup?.sets)
    let t2 = clock.now
    var outcome = Outcome(mode: .incremental, commands: tx.commands.count, readBack: readBack, diff: t2 - t1)
    outcome.setState = lookup
    outcome.stateRead = t1 - t0 - readBack
    if tx.isEmpty { outcome.mode = .unchanged }
    if let known, let generation, let side {
      // Checked against the generation read before everything else: a commit by anyone since
      // refuses the batch, so the file written after it is exact.
      let produced = try known.backend.apply(tx, desired: desired, expectingGeneration: generation)
      outcome.apply = clock.now - t2
      if !tx.isEmpty || lookup?.sets == nil { outcome.stateWrite = side.record(produced: produced) }
    } else if !tx.isEmpty {
      try backend.apply(tx, desired: desired)
      outcome.apply = clock.now - t2
    }
    return outcome
  }

  /// Writes the set state file for the generation `produced` (removes it when unknown);
  /// a failure to write only costs the next run a refill.
  func record(_ desired: Ruleset, produced: UInt32?, _ known: KnownState) -> Duration {
    let clock = ContinuousClock()
    let t0 = clock.now
    let sets = SetStateStore.recorded(desired, limit: elementLimit)
    if let produced, !sets.isEmpty {
      let state = SetState(bootID: known.id.bootID, namespaceCookie: known.id.cookie, generation: produced, tables: sets)
      do { try known.store.save(state, inode: known.id.inode) } catch { known.store.remove(inode: known.id.inode) }
    } else {
      known.store.remove(inode: known.id.inode)
    }
    return clock.now - t0
  }

  func replace(_ desired: Ruleset, reason: String?, readBack: Duration, known: KnownState?, generation: UInt32?) throws -> Outcome {
    let clock = ContinuousClock()
    let t0 = clock.now
    let tx = desired.replaceTransaction()
    var outcome = Outcome(mode: .full, commands: tx.commands.count, fallbackReason: reason, readBack: readBack)
    if let known, let generation {
      let produced = try known.backend.apply(tx, desired: desired, expectingGeneration: generation)
      outcome.apply = clock.now - t0
      outcome.stateWrite = record(desired, produced: produced, known)
    } else {
      try backend.apply(tx, desired: desired)
      outcome.apply = clock.now - t0
    }
    return outcome
  }
}

/// The set state file work of one sync, started on another thread at once: reading and decoding
/// the file, and encoding the sets to record (with a placeholder generation); `lookup()` and
/// `record(produced:)` wait for their part.
final class SideWork: Sendable {
  private let store: SetStateStore
  private let inode: UInt64
  private let found = Mutex<SetStateStore.Lookup?>(nil)
  private let encoded = Mutex<[UInt8]?>(nil)
  private let reading = DispatchGroup()
  private let encoding = DispatchGroup()

  init(_ known: Synchronizer.KnownState, generation: UInt32, desired: Ruleset, limit: Int) {
    let (store, id) = (known.store, known.id)
    self.store = store
    inode = id.inode
    reading.enter()
    encoding.enter()
    DispatchQueue.global(qos: .userInitiated).async { [self] in
      let result = store.lookup(id, generation: generation)
      found.withLock { $0 = result }
      reading.leave()
    }
    DispatchQueue.global(qos: .userInitiated).async { [self] in
      let sets = SetStateStore.recorded(desired, limit: limit)
      if !sets.isEmpty {
        let bytes = SetStateCoding.encode(
          SetState(bootID: id.bootID, namespaceCookie: id.cookie, generation: generation, tables: sets))
        encoded.withLock { $0 = bytes }
      }
      encoding.leave()
    }
  }

  func lookup() -> SetStateStore.Lookup? {
    reading.wait()
    return found.withLock { $0 }
  }

  /// Writes the file for `produced` (removes it when that is unknown or nothing is recorded).
  func record(produced: UInt32?) -> Duration {
    let clock = ContinuousClock()
    let t0 = clock.now
    encoding.wait()
    if let produced, let bytes = encoded.withLock({ $0 }) {
      do { try store.save(encoded: SetStateCoding.replacingGeneration(bytes, with: produced), inode: inode) } catch {
        store.remove(inode: inode)
      }
    } else {
      store.remove(inode: inode)
    }
    return clock.now - t0
  }
}

// The set state file on a real kernel: a one-shot sync uses it only while the kernel is still at
// the generation kproxy's last commit produced, and then sends only changed elements; a stale,
// damaged or foreign file, or another writer in between (also during the sync), means a refill,
// and nothing anyone removed or added behind kproxy's back survives.
import Dataplane
import Foundation
import KernelTestSupport
import NFTNetlink
import NFTables
import Testing

/// Forwards to a netlink backend and records what it applied; `beforeApply` runs just before
/// each commit (another writer between kproxy's read and its commit).
final class RecordingNetlinkBackend: GenerationCheckedBackend {
  let inner: NetlinkBackend
  var applied: [Transaction] = []
  var beforeApply: (() throws -> Void)?
  init(_ inner: NetlinkBackend) { self.inner = inner }

  func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset {
    try inner.currentRuleset(tables: tables, spelling: spelling)
  }
  func currentRuleset(tables: [TableRef], spelling: Ruleset?, elementDumpLimit: Int) throws -> (Ruleset, UnreadElements) {
    try inner.currentRuleset(tables: tables, spelling: spelling, elementDumpLimit: elementDumpLimit)
  }
  func apply(_ tx: Transaction, desired: Ruleset) throws {
    try inner.apply(tx, desired: desired)
    applied.append(tx)
  }
  func generation() throws -> UInt32 { try inner.generation() }
  func namespaceIdentity() throws -> NamespaceIdentity? { try inner.namespaceIdentity() }
  func apply(_ tx: Transaction, desired: Ruleset, expectingGeneration generation: UInt32) throws -> UInt32? {
    if let hook = beforeApply {
      beforeApply = nil
      try hook()
    }
    let produced = try inner.apply(tx, desired: desired, expectingGeneration: generation)
    applied.append(tx)
    return produced
  }

  /// Whether the last applied transaction refilled a set (flush + every element).
  var lastRefilled: Bool {
    applied.last?.commands.contains { if case .flushSet = $0 { true } else { false } } ?? false
  }
}

/// A temporary state folder, removed at the end.
final class StateFolder {
  let path = FileManager.default.temporaryDirectory.appendingPathComponent("kpt-state-\(UUID().uuidString)").path
  var store: SetStateStore { SetStateStore(directory: path) }
  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// The only state file in the folder.
  func file() throws -> String {
    let names = try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".sets") }
    #expect(names.count == 1)
    return "\(path)/\(try #require(names.first))"
  }
}

@Suite(.kernelTests) struct SetStateFileTests {
  /// The sample map (service-ips) has `n` elements; the limit 3 keeps it from being dumped.
  static func expected(_ desired: Ruleset, _ reference: ScratchNetns) throws -> String {
    try reference.nft("flush", "ruleset")
    try reference.load(desired.renderScript())
    return try reference.nft("list", "ruleset")
  }

  static func sync(_ ns: ScratchNetns, _ folder: StateFolder) throws -> (Synchronizer, RecordingNetlinkBackend) {
    let backend = RecordingNetlinkBackend(try NetlinkBackend(namespace: ns.namespace))
    return (Synchronizer(backend: backend, elementLimit: 3, store: folder.store), backend)
  }

  @Test func anExactFileSendsOnlyTheChangedElements() throws {
    let ns = try ScratchNetns.make("state-exact")
    let reference = try ScratchNetns.make("state-exact-ref")
    let folder = StateFolder()
    let (sync, backend) = try Self.sync(ns, folder)
    let first = try sync.sync(to: sampleRuleset(endpoints: 6), full: false)
    #expect(first.setState == .missing)
    #expect(FileManager.default.fileExists(atPath: try folder.file()))
    // One element more: the file is exact, the map is neither flushed nor refilled.
    let desired = sampleRuleset(endpoints: 7)
    let second = try sync.sync(to: desired, full: false)
    #expect(second.setState?.sets != nil, "\(String(describing: second.setState))")
    #expect(!backend.lastRefilled)
    let added = backend.applied.last!.commands.compactMap { c -> Int? in
      if case .addElements(_, let s, let es) = c, s.name == "service-ips" { return es.count } else { return nil }
    }
    #expect(added == [1])
    #expect(try ns.nft("list", "ruleset") == Self.expected(desired, reference))
    // Unchanged: nothing is sent at all (before the file, the map was refilled every time).
    #expect(try sync.sync(to: desired, full: false).mode == .unchanged)
    // A new process (a new netlink socket) finds the same file exact.
    let (again, againBackend) = try Self.sync(ns, folder)
    let third = try again.sync(to: sampleRuleset(endpoints: 5), full: false)
    #expect(third.setState?.sets != nil)
    #expect(!againBackend.lastRefilled)
    #expect(try ns.nft("list", "ruleset") == Self.expected(sampleRuleset(endpoints: 5), reference))
  }

  @Test func anotherWritersCommitMakesTheFileStaleAndItsChangeIsRepaired() throws {
    let ns = try ScratchNetns.make("state-other")
    let reference = try ScratchNetns.make("state-other-ref")
    let folder = StateFolder()
    let (sync, backend) = try Self.sync(ns, folder)
    let desired = sampleRuleset(endpoints: 6)
    _ = try sync.sync(to: desired, full: false)
    // Someone removes a kproxy element and adds a foreign one: two commits.
    try ns.nft("delete", "element", "ip", "kproxy", "service-ips", "{ 10.96.0.1 . tcp . 80 }")
    try ns.nft("add", "element", "ip", "kproxy", "service-ips", "{ 10.96.9.9 . tcp . 80 : goto svc }")
    let repair = try sync.sync(to: desired, full: false)
    guard case .stale? = repair.setState else { Issue.record("expected a stale file, got \(String(describing: repair.setState))"); return }
    #expect(backend.lastRefilled)
    #expect(try ns.nft("list", "ruleset") == Self.expected(desired, reference))
    // The refill wrote the file again: the next sync trusts it.
    #expect(try sync.sync(to: desired, full: false).mode == .unchanged)
    // A commit elsewhere in the namespace (another table) moves the generation too.
    try ns.nft("add", "table", "ip", "someone-else")
    let after = try sync.sync(to: desired, full: false)
    guard case .stale? = after.setState else { Issue.record("expected a stale file, got \(String(describing: after.setState))"); return }
    #expect(backend.lastRefilled)
  }

  @Test func aCommitBetweenTheReadAndKproxysCommitIsRefusedAndRepaired() throws {
    let ns = try ScratchNetns.make("state-race")
    let reference = try ScratchNetns.make("state-race-ref")
    let folder = StateFolder()
    let (sync, backend) = try Self.sync(ns, folder)
    _ = try sync.sync(to: sampleRuleset(endpoints: 6), full: false)
    // The file is exact when read; then, before kproxy commits, someone deletes an element.
    backend.beforeApply = { try ns.nft("delete", "element", "ip", "kproxy", "service-ips", "{ 10.96.0.2 . tcp . 80 }") }
    let desired = sampleRuleset(endpoints: 7)
    let outcome = try sync.sync(to: desired, full: false)
    // The first batch was refused (ERESTART), the retry found the file stale and refilled.
    guard case .stale? = outcome.setState else {
      Issue.record("expected a stale file, got \(String(describing: outcome.setState))"); return
    }
    #expect(backend.lastRefilled)
    #expect(try ns.nft("list", "ruleset") == Self.expected(desired, reference))
  }

  @Test func aDamagedFileIsNotUsed() throws {
    let ns = try ScratchNetns.make("state-corrupt")
    let reference = try ScratchNetns.make("state-corrupt-ref")
    let folder = StateFolder()
    let (sync, backend) = try Self.sync(ns, folder)
    _ = try sync.sync(to: sampleRuleset(endpoints: 6), full: false)
    let path = try folder.file()
    // One element byte flipped (the file still parses: only the checksum tells).
    var bytes = [UInt8](try #require(FileManager.default.contents(atPath: path)))
    bytes[bytes.count - 20] ^= 0x01
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    let desired = sampleRuleset(endpoints: 7)
    let flipped = try sync.sync(to: desired, full: false)
    guard case .corrupt? = flipped.setState else {
      Issue.record("expected a damaged file, got \(String(describing: flipped.setState))"); return
    }
    #expect(backend.lastRefilled)
    #expect(try ns.nft("list", "ruleset") == Self.expected(desired, reference))
    // Cut short.
    let whole = try #require(FileManager.default.contents(atPath: path))
    try whole.prefix(whole.count / 2).write(to: URL(fileURLWithPath: path))
    let cut = try sync.sync(to: sampleRuleset(endpoints: 6), full: false)
    guard case .corrupt? = cut.setState else { Issue.record("expected a damaged file, got \(String(describing: cut.setState))"); return }
    #expect(backend.lastRefilled)
    #expect(try ns.nft("list", "ruleset") == Self.expected(sampleRuleset(endpoints: 6), reference))
  }

  @Test func aFileOfAnotherNamespaceIsNotUsed() throws {
    let a = try ScratchNetns.make("state-ns-a")
    let b = try ScratchNetns.make("state-ns-b")
    let folder = StateFolder()
    let (syncA, _) = try Self.sync(a, folder)
    let (syncB, backendB) = try Self.sync(b, folder)
    _ = try syncA.sync(to: sampleRuleset(endpoints: 6), full: false)
    _ = try syncB.sync(to: sampleRuleset(endpoints: 6), full: false)
    // B's file given A's name (as a reused inode would): the cookie tells them apart.
    let idA = try #require(try NetlinkBackend(namespace: a.namespace).namespaceIdentity())
    let idB = try #require(try NetlinkBackend(namespace: b.namespace).namespaceIdentity())
    #expect(idA.cookie != idB.cookie)
    try? FileManager.default.removeItem(atPath: folder.store.path(for: idA))
    try FileManager.default.copyItem(atPath: folder.store.path(for: idB), toPath: folder.store.path(for: idA))
    let generationA = try NetlinkBackend(namespace: a.namespace).generation()
    guard case .stale = folder.store.lookup(idA, generation: generationA) else {
      Issue.record("another namespace's file was accepted")
      return
    }
    _ = backendB
  }

  @Test func withoutAStoreTheBigSetsAreRefilledAsBefore() throws {
    let ns = try ScratchNetns.make("state-none")
    let backend = RecordingNetlinkBackend(try NetlinkBackend(namespace: ns.namespace))
    let sync = Synchronizer(backend: backend, elementLimit: 3)
    _ = try sync.sync(to: sampleRuleset(endpoints: 6), full: false)
    let again = try sync.sync(to: sampleRuleset(endpoints: 6), full: false)
    #expect(again.setState == nil)
    #expect(backend.lastRefilled)
  }
}

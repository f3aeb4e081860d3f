// A kproxy table of a family the node no longer serves is removed by the next sync, in the
// same single transaction that updates the other table, on both backends and in both modes.
import Dataplane
import KernelTestSupport
import NFTables
import Testing

/// A backend that records the transactions it applies.
final class RecordingBackend: Backend {
  let inner: Backend
  private(set) var applied: [Transaction] = []
  init(_ inner: Backend) { self.inner = inner }

  func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset {
    try inner.currentRuleset(tables: tables, spelling: spelling)
  }

  func apply(_ tx: Transaction, desired: Ruleset) throws {
    applied.append(tx)
    try inner.apply(tx, desired: desired)
  }
}

@Suite(.kernelTests) struct TableFamilySyncTests {
  static let ip6 = TableRef(family: .ip6, name: "kproxy")

  @Test(arguments: SynchronizerTests.backends, [false, true])
  func ip6TableGoesWhenTheInputBecomesIPv4Only(kind: String, full: Bool) throws {
    let ns = try ScratchNetns.make("fam-\(kind)")
    let fresh = try ScratchNetns.make("fam-ref")
    let dual = try FixtureScenarios.compile("dual-stack").ruleset
    let v4 = try FixtureScenarios.compile("demo").ruleset
    #expect(dual.tables.map(\.family) == [.ip, .ip6])
    #expect(v4.tables.map(\.family) == [.ip])
    #expect(v4.absentTables == [Self.ip6])

    let backend = RecordingBackend(try SynchronizerTests.backend(kind, ns))
    let sync = Synchronizer(backend: backend)
    _ = try sync.sync(to: dual, full: false)
    #expect(try ns.listRuleset().contains("table ip6 kproxy"))

    let before = backend.applied.count
    let outcome = try sync.sync(to: v4, full: full)
    #expect(outcome.mode == (full ? .full : .incremental))
    // One transaction, which both rewrites the ip table and deletes the ip6 one.
    #expect(backend.applied.count == before + 1)
    let tx = try #require(backend.applied.last)
    #expect(tx.commands.contains(.deleteTable(Self.ip6)))
    #expect(tx.commands.contains { if case .addElements(let t, _, _) = $0 { t.family == .ip } else { false } })

    try fresh.load(v4.renderScript())
    #expect(sortedBlocks(try ns.listRuleset()) == sortedBlocks(try fresh.listRuleset()))
    #expect(!(try ns.listRuleset().contains("table ip6")))
    #expect(try sync.sync(to: v4, full: false).mode == .unchanged)
  }
}

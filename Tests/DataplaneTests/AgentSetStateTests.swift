// The agent and the set state file on a real kernel: a restart finds the file its previous run
// wrote (after its first sync, or on shutdown after later syncs) exact and sends no refill; after
// someone else's commit it refills, and the adopted tables equal the compiled ones either way.
import Dataplane
import Foundation
import NFTNetlink
import NFTables
import ProxyRules
import ServiceProxy
import Testing

@Suite(.kernelTests) struct AgentSetStateTests {
  typealias R = RestartAdoptionTests

  static func mode(_ backend: TransactionBackend, _ folder: StateFolder) -> NFTablesMode {
    NFTablesMode(backend: backend, elementLimit: 1, store: folder.store)
  }

  static func refilled(_ tx: Transaction?) -> Bool {
    tx?.commands.contains { if case .flushSet = $0 { true } else { false } } ?? false
  }

  @Test func aRestartUsesTheFileOfThePreviousRun() async throws {
    let ns = try ScratchNetns.make("agent-state")
    let folder = StateFolder()
    let a = R.state(apiEndpoints: 3)
    let compiledA = RulesetCompiler.compile(a, node: R.node).ruleset
    let previous = Self.mode(try NetlinkTransactionBackend(namespace: ns.namespace), folder)
    let first = await R.loop(previous, a).sync()
    #expect(first.succeeded, "\(first.failure ?? "")")
    // The file is written on another thread after the sync.
    #expect(await previous.setStateWritten() != nil)
    let handles = try ns.setHandles()
    // The new run's start-up probe commits (its own table): the file is carried past it.
    let id = try #require(try NetlinkBackend(namespace: ns.namespace).namespaceIdentity())
    let beforeProbe = try NetlinkBackend(namespace: ns.namespace).generation()
    #expect(NFTablesProbe.run(namespace: ns.namespace, carrying: folder.store) == nil)
    let afterProbe = try NetlinkBackend(namespace: ns.namespace).generation()
    #expect(afterProbe != beforeProbe)
    #expect(folder.store.lookup(id, generation: afterProbe).sets != nil)

    // The restart: the file written after the first sync is exact; nothing is refilled.
    let backend = RecordingTransactionBackend(try NetlinkTransactionBackend(namespace: ns.namespace))
    let restarted = Self.mode(backend, folder)
    let adopted = await R.loop(restarted, a).sync()
    #expect(adopted.succeeded, "\(adopted.failure ?? "")")
    let lookup = await restarted.lastSetStateLookup
    #expect(lookup?.sets != nil, "\(String(describing: lookup))")
    let applied = await backend.applied
    #expect(applied.isEmpty, "nothing changed, yet \(applied) was sent")
    #expect(try ns.setHandles() == handles)
    let kernel = try await backend.currentRuleset(tables: compiledA.tables.map(\.ref), spelling: compiledA)
    #expect(CanonicalRuleset(kernel) == CanonicalRuleset(compiledA))
  }

  @Test func theFileWrittenOnShutdownCoversLaterSyncs() async throws {
    let ns = try ScratchNetns.make("agent-state-stop")
    let folder = StateFolder()
    let a = R.state(apiEndpoints: 3)
    let b = R.state(apiEndpoints: 5)
    let mode = Self.mode(try NetlinkTransactionBackend(namespace: ns.namespace), folder)
    let changes = [ProxyChanges(node: R.node, full: a), ProxyChanges(node: R.node, full: b)]
    let context = SyncContext(number: 1, cause: "test", date: Date())
    _ = try await mode.sync(changes[0], cause: .changes, context: context)
    #expect(await mode.setStateWritten() != nil)
    // A later sync (node-level full change: an incremental transaction) leaves the file stale…
    _ = try await mode.sync(changes[1], cause: .changes, context: context)
    let id = try #require(try NetlinkBackend(namespace: ns.namespace).namespaceIdentity())
    let now = try NetlinkBackend(namespace: ns.namespace).generation()
    guard case .stale = folder.store.lookup(id, generation: now) else { Issue.record("the file still looks exact"); return }
    // …until the shutdown writes it for the current state.
    await mode.saveSetState()
    let backend = RecordingTransactionBackend(try NetlinkTransactionBackend(namespace: ns.namespace))
    let restarted = Self.mode(backend, folder)
    let adopted = await R.loop(restarted, b).sync()
    #expect(adopted.succeeded, "\(adopted.failure ?? "")")
    let lookup = await restarted.lastSetStateLookup
    #expect(lookup?.sets != nil, "\(String(describing: lookup))")
    #expect(!Self.refilled(await backend.applied.first))
    let compiledB = RulesetCompiler.compile(b, node: R.node).ruleset
    let kernel = try await backend.currentRuleset(tables: compiledB.tables.map(\.ref), spelling: compiledB)
    #expect(CanonicalRuleset(kernel) == CanonicalRuleset(compiledB))
  }

  @Test func someoneElsesCommitWhileStoppedMeansARefill() async throws {
    let ns = try ScratchNetns.make("agent-state-other")
    let folder = StateFolder()
    let a = R.state(apiEndpoints: 3)
    let compiledA = RulesetCompiler.compile(a, node: R.node).ruleset
    let previous = Self.mode(try NetlinkTransactionBackend(namespace: ns.namespace), folder)
    let first = await R.loop(previous, a).sync()
    #expect(first.succeeded, "\(first.failure ?? "")")
    #expect(await previous.setStateWritten() != nil)
    // A probe without the store (or any other commit) leaves the file behind.
    #expect(NFTablesProbe.run(namespace: ns.namespace) == nil)
    let id = try #require(try NetlinkBackend(namespace: ns.namespace).namespaceIdentity())
    guard case .stale = folder.store.lookup(id, generation: try NetlinkBackend(namespace: ns.namespace).generation()) else {
      Issue.record("the file survived another commit")
      return
    }
    // While kproxy is down, someone removes an element from a set above the (lowered) limit.
    let big = try #require(compiledA.tables[0].sets.first { !$0.flags.contains(.dynamic) && $0.elements.count > 1 && $0.dataType == nil })
    let victim = try #require(try ns.nft("list", "set", "ip", "kproxy", big.name).firstMatch(of: /elements = \{ ([^,}\n]+)/)?.1)
    try ns.nft("delete", "element", "ip", "kproxy", big.name, "{ \(victim) }")

    let backend = RecordingTransactionBackend(try NetlinkTransactionBackend(namespace: ns.namespace))
    let restarted = Self.mode(backend, folder)
    let adopted = await R.loop(restarted, a).sync()
    #expect(adopted.succeeded, "\(adopted.failure ?? "")")
    let lookup = await restarted.lastSetStateLookup
    guard case .stale? = lookup else {
      Issue.record("expected a stale file, got \(String(describing: lookup))")
      return
    }
    #expect(Self.refilled(await backend.applied.first))
    let kernel = try await backend.currentRuleset(tables: compiledA.tables.map(\.ref), spelling: compiledA)
    #expect(CanonicalRuleset(kernel) == CanonicalRuleset(compiledA))
  }
}

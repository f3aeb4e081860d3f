import Dataplane
import Foundation
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import Synchronization
// The sync loop on the in-memory backend: after every step of seeded random change sequences
// (node changes, failed applies, other processes' commits) the kernel equals a full compile
// of the current state, and clients learned by affinity sets survive where they should.
import TestSupport
import Testing

/// What the drain hands the loop next (then nothing but the node).
final class ChangeQueue: Sendable {
  private let next = Mutex<ProxyChanges?>(nil)
  private let node: Mutex<NodeConfig>
  init(node: NodeConfig) { self.node = Mutex(node) }
  func set(_ c: ProxyChanges) {
    node.withLock { $0 = c.node }
    next.withLock { $0 = c }
  }
  func drain() -> ProxyChanges {
    let n = node.withLock { $0 }
    return next.withLock { c in
      defer { c = nil }
      return c ?? ProxyChanges(node: n)
    }
  }
}

/// The loop the single-scenario tests drive: NFTablesMode on the in-memory backend, fed by a
/// ChangeQueue for the first generated node, with one seeded cluster of service ports.
struct MemoryLoop {
  let node = ProxyStateGenerator.nodes[0]
  let backend = InMemoryBackend()
  let queue: ChangeQueue
  let loop: SyncLoop
  let ports: [ServicePortKey: ServicePortInfo]

  init(seed: UInt64) {
    var rng = SeededRandom(seed: seed)
    let queue = ChangeQueue(node: node)
    self.queue = queue
    loop = SyncLoop(mode: NFTablesMode(backend: backend), drain: { queue.drain() })
    ports = ProxyStateGenerator.step([:], &rng).new
  }

  /// Queues the whole cluster as one full change.
  func queueFullState(oldestChange: ContinuousClock.Instant? = nil, changeTimes: [ChangeTime] = []) {
    queue.set(ProxyChanges(node: node, full: ProxyStateGenerator.state(ports), oldestChange: oldestChange, changeTimes: changeTimes))
  }
}

@Suite struct SyncLoopTests {
  static let client = IPAddress("203.0.113.77")!

  /// Learned clients: one element in every affinity set of the kernel (IPv4 tables).
  static func learnEverywhere(_ backend: InMemoryBackend) async throws -> Set<String> {
    var learned = Set<String>()
    for t in await backend.kernel.ruleset.tables where t.family == .ip {
      for s in t.sets where s.flags.contains(.dynamic) {
        try await backend.learn([Element([.address(client)])], inSet: s.name, of: t.ref)
        learned.insert(s.name)
      }
    }
    return learned
  }

  static func expectInStep(_ backend: InMemoryBackend, _ state: ProxyState, _ node: NodeConfig, _ what: String) async {
    let kernel = CanonicalRuleset(await backend.kernel.ruleset)
    let full = CanonicalRuleset(RulesetCompiler.compile(state, node: node).ruleset)
    #expect(kernel == full, "\(what): \(kernel.difference(full).prefix(5))")
  }

  @Test(arguments: 1...12)
  func randomChangesKeepTheKernelEqualToAFullCompile(seed: Int) async throws {
    var rng = SeededRandom(seed: UInt64(seed))
    var node = ProxyStateGenerator.nodes[0]
    let backend = InMemoryBackend()
    let queue = ChangeQueue(node: node)
    let observer = RecordingSyncObserver()
    let loop = SyncLoop(mode: NFTablesMode(backend: backend), drain: { queue.drain() }, observer: observer)
    var ports: [ServicePortKey: ServicePortInfo] = [:]
    // The first sync: the full state.
    for _ in 0..<3 { ports = ProxyStateGenerator.step(ports, &rng).new }
    queue.set(ProxyChanges(node: node, full: ProxyStateGenerator.state(ports), oldestChange: .now))
    let first = await loop.sync()
    #expect(first.succeeded && first.full)
    await Self.expectInStep(backend, ProxyStateGenerator.state(ports), node, "seed \(seed) first sync")

    for step in 0..<40 {
      let what = "seed \(seed) step \(step)"
      let before = await backend.kernel.ruleset
      let learned = try await Self.learnEverywhere(backend)
      var changes: ProxyChanges
      if rng.chance(0.08) {
        node = ProxyStateGenerator.nodes.randomElement(using: &rng)!
        ports = ProxyStateGenerator.step(ports, &rng).new
        changes = ProxyChanges(node: node, full: ProxyStateGenerator.state(ports))
      } else {
        let s = ProxyStateGenerator.step(ports, &rng)
        ports = s.new
        changes = ProxyChanges(node: node, changed: s.changed, removed: s.removed, oldestChange: .now)
      }
      queue.set(changes)
      let failApply = rng.chance(0.12)
      if failApply { await backend.failNextApply() }
      let outcome = await loop.sync()
      await backend.clearInjectedFailures()  // unused when the change needed no transaction
      var replaced = false
      if failApply && outcome.failure != nil {
        // The kernel kept the old state; the retry resyncs everything.
        #expect(CanonicalRuleset(await backend.kernel.ruleset) == CanonicalRuleset(before), "\(what): a failed apply changed the kernel")
        let retry = await loop.sync(cause: .retry(failures: 1))
        #expect(retry.succeeded && retry.full, "\(what): retry")
        replaced = replaced || retry.report?.replaceReason != nil
      } else {
        #expect(outcome.succeeded, "\(what): \(outcome.failure ?? "")")
        replaced = outcome.report?.replaceReason != nil
      }
      let state = ProxyStateGenerator.state(ports)
      await Self.expectInStep(backend, state, node, what)
      // Learned clients survive unless their endpoint's set went or was redeclared.
      for t in await backend.kernel.ruleset.tables where t.family == .ip {
        for s in t.sets where learned.contains(s.name) && !replaced {
          let old = before.tables.first { $0.ref == t.ref }?.sets.first { $0.name == s.name }
          guard var oldHeader = old?.header, oldHeader == s.header else { continue }
          oldHeader.elements = []
          #expect(s.elements.contains(Element([.address(Self.client)])), "\(what): learned client of \(s.name) lost")
        }
      }
      // Someone else commits: the periodic sync notices and repairs.
      if rng.chance(0.15), let table = await backend.kernel.ruleset.tables.first {
        var foreign = Transaction()
        foreign.add(.flushChain(table.ref, chain: Names.services))
        try await backend.commitForeign(foreign)
        let reads = await backend.readBacks
        let repair = await loop.sync(cause: .periodic)
        #expect(repair.succeeded && repair.report?.repairedDrift == true, "\(what): drift")
        #expect(await backend.readBacks == reads + 1)
        await Self.expectInStep(backend, state, node, "\(what) after drift repair")
      }
    }
    // A periodic sync with nobody else committing reads nothing back and sends nothing.
    let reads = await backend.readBacks
    let quiet = await loop.sync(cause: .periodic)
    #expect(quiet.succeeded && quiet.report == ModeSyncReport(full: false, commands: 0))
    #expect(await backend.readBacks == reads)
    #expect(observer.outcomes.count == observer.events.filter { if case .started = $0 { true } else { false } }.count)
  }

  @Test func latencyIsMeasuredFromTheOldestChangeAcrossAFailedSync() async throws {
    let m = MemoryLoop(seed: 99)
    let (backend, loop) = (m.backend, m.loop)
    let seen = ContinuousClock.now - .milliseconds(500)
    m.queueFullState(oldestChange: seen)
    await backend.failNextApply()
    let failed = await loop.sync()
    #expect(failed.failure == "injected failure: apply refused")
    #expect(failed.networkProgrammingLatency == nil)
    let ok = await loop.sync(cause: .retry(failures: 1))
    let latency = try #require(ok.networkProgrammingLatency)
    #expect(latency >= .milliseconds(500))
  }

  @Test func aSyncHoldingManyChangesReportsALatencyForEachAcrossAFailedSync() async throws {
    let m = MemoryLoop(seed: 7)
    let (backend, loop) = (m.backend, m.loop)
    let seen = ContinuousClock.now - .milliseconds(300)
    let times = (0..<60).map { ChangeTime(family: $0 % 2 == 0 ? .v4 : .v6, seen: seen) }
    m.queueFullState(oldestChange: seen, changeTimes: times)
    await backend.failNextApply()
    let failed = await loop.sync()
    #expect(!failed.succeeded && failed.changeLatencies.isEmpty)
    // 40 more changes arrive before the retry: the retry commits all 100, each observed once.
    let later = ContinuousClock.now
    let more = (0..<40).map { _ in ChangeTime(family: .v4, seen: later) }
    m.queueFullState(oldestChange: later, changeTimes: more)
    let ok = await loop.sync(cause: .retry(failures: 1))
    #expect(ok.succeeded)
    #expect(ok.changeLatencies.count == 100)
    #expect(ok.changeLatencies.filter { $0.family == .v6 }.count == 30)
    #expect(ok.changeLatencies.filter { $0.latency >= .milliseconds(300) }.count >= 60)
    #expect(ok.changeLatencies.map(\.latency).max() == ok.networkProgrammingLatency)
    // Nothing new: the next sync observes nothing.
    #expect(await loop.sync(cause: .periodic).changeLatencies.isEmpty)
  }

  @Test func aConcurrentChangeDuringReadBackIsReadAgain() async throws {
    let m = MemoryLoop(seed: 5)
    let (node, backend, loop, ports) = (m.node, m.backend, m.loop, m.ports)
    m.queueFullState()
    await backend.failNextReadBack(.netlink(.concurrentChange("the ruleset kept changing while it was read")))
    let outcome = await loop.sync()
    #expect(outcome.succeeded && outcome.report?.replaceReason == nil)
    #expect(await backend.readBacks == 2)
    await Self.expectInStep(backend, ProxyStateGenerator.state(ports), node, "after a concurrent change")
  }

  @Test func aForeignObjectIsReplacedWithTheReason() async throws {
    let m = MemoryLoop(seed: 6)
    let (node, backend, loop, ports) = (m.node, m.backend, m.loop, m.ports)
    m.queueFullState()
    await backend.failNextReadBack(.netlink(.foreignObject("chain x in table ip kproxy is not one kproxy creates")))
    let outcome = await loop.sync()
    #expect(outcome.report?.replaceReason == "chain x in table ip kproxy is not one kproxy creates")
    #expect(await backend.applied.first?.commands.contains(.deleteTable(RulesetCompiler.tableRef(.v4))) == true)
    await Self.expectInStep(backend, ProxyStateGenerator.state(ports), node, "after a replace")
  }

  @Test func anEncodingOverflowFailsTheSyncWithoutAReplace() async throws {
    let m = MemoryLoop(seed: 7)
    let (backend, loop) = (m.backend, m.loop)
    m.queueFullState()
    await backend.failNextApply(.netlink(.encodingOverflow("message of 2000000 bytes exceeds the scratch page")))
    let outcome = await loop.sync()
    #expect(outcome.failure == "netlink: message of 2000000 bytes exceeds the scratch page")
    #expect(await backend.applied.isEmpty)
  }

  @Test func runSyncsAtOnceThenOnChangesAndStopsWhenCancelled() async throws {
    let node = ProxyStateGenerator.nodes[0]
    var rng = SeededRandom(seed: 8)
    let backend = InMemoryBackend()
    let queue = ChangeQueue(node: node)
    let observer = RecordingSyncObserver()
    let loop = SyncLoop(
      mode: NFTablesMode(backend: backend), drain: { queue.drain() }, observer: observer, minSyncPeriod: .milliseconds(20),
      syncPeriod: .seconds(30))
    var ports = ProxyStateGenerator.step([:], &rng).new
    queue.set(ProxyChanges(node: node, full: ProxyStateGenerator.state(ports)))
    let task = Task { await loop.run() }
    func waitFor(_ n: Int) async throws {
      for _ in 0..<500 where observer.outcomes.count < n { try await Task.sleep(for: .milliseconds(5)) }
    }
    try await waitFor(1)
    let s = ProxyStateGenerator.step(ports, &rng)
    ports = s.new
    queue.set(ProxyChanges(node: node, changed: s.changed, removed: s.removed))
    await loop.changed()
    try await waitFor(2)
    task.cancel()
    await task.value
    #expect(observer.outcomes.count == 2)
    #expect(observer.outcomes.allSatisfy { $0.succeeded })
    await Self.expectInStep(backend, ProxyStateGenerator.state(ports), node, "after run")
  }
}

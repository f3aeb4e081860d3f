// Restart adoption on a real kernel: a new daemon's first sync reads back the tables a previous
// run programmed and sends only the difference: no table deleted, no unaffected chain flushed,
// learned affinity clients kept; then drift by someone else is noticed and repaired.
import Dataplane
import Foundation
import KubeAPI
import NFTNetlink
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy
import Synchronization
import Testing

/// Forwards to a backend and records what it applied.
actor RecordingTransactionBackend: TransactionBackend {
  let inner: TransactionBackend
  private(set) var applied: [Transaction] = []
  init(_ inner: TransactionBackend) { self.inner = inner }
  func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext) async throws {
    try await inner.apply(tx, knownSets: knownSets, context: context)
    applied.append(tx)
  }
  func currentRuleset(tables: [TableRef], spelling: Ruleset?) async throws -> Ruleset {
    try await inner.currentRuleset(tables: tables, spelling: spelling)
  }
  func currentRuleset(tables: [TableRef], spelling: Ruleset?, elementDumpLimit: Int) async throws -> (Ruleset, UnreadElements) {
    try await inner.currentRuleset(tables: tables, spelling: spelling, elementDumpLimit: elementDumpLimit)
  }
  func generation() async throws -> UInt32 { try await inner.generation() }
  func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext, expectingGeneration generation: UInt32) async throws -> UInt32? {
    let produced = try await inner.apply(tx, knownSets: knownSets, context: context, expectingGeneration: generation)
    applied.append(tx)
    return produced
  }
  func namespaceIdentity() async throws -> NamespaceIdentity? { try await inner.namespaceIdentity() }
}

@Suite(.kernelTests) struct RestartAdoptionTests {
  static let node = NodeConfig(hostname: "node-a", nodeIPs: [IPAddress("192.168.1.10")!], clusterCIDRs: [IPPrefix("10.244.0.0/16")!])

  static func endpoints(_ n: Int, base: Int) -> [EndpointInfo] {
    (0..<n).map {
      EndpointInfo(ip: IPAddress("10.244.1.\(base + $0)")!, port: 8080, isLocal: false, ready: true, serving: true, terminating: false)
    }
  }

  static func state(apiEndpoints: Int) -> ProxyState {
    func name(_ s: String) -> ServicePortName {
      ServicePortName(service: NamespacedName(namespace: "default", name: s), port: "", protocol_: .tcp)
    }
    return ProxyState(servicePorts: [
      ServicePortInfo(
        name: name("api"), family: .v4, clusterIP: IPAddress("10.96.0.20")!, port: 80, nodePort: 30080,
        endpoints: endpoints(apiEndpoints, base: 20)),
      ServicePortInfo(
        name: name("web"), family: .v4, clusterIP: IPAddress("10.96.0.10")!, port: 80, affinityTimeoutSeconds: 10800,
        endpoints: endpoints(2, base: 10)),
    ])
  }

  static func loop(_ backend: TransactionBackend, _ state: ProxyState, elementLimit: Int = readBackElementLimit) -> SyncLoop {
    loop(NFTablesMode(backend: backend, elementLimit: elementLimit), state)
  }

  static func loop(_ mode: NFTablesMode, _ state: ProxyState) -> SyncLoop {
    let changes = ProxyChanges(node: node, full: state)
    let handed = Mutex(false)
    return SyncLoop(
      mode: mode,
      drain: {
        handed.withLock { h in
          defer { h = true }; return h ? ProxyChanges(node: node) : changes
        }
      })
  }

  @Test func aRestartedDaemonAdoptsItsTablesWithADiff() async throws {
    let ns = try ScratchNetns.make("adopt")
    let a = Self.state(apiEndpoints: 3)
    let b = Self.state(apiEndpoints: 4)
    // The previous run.
    let first = await Self.loop(try NetlinkTransactionBackend(namespace: ns.namespace), a).sync()
    #expect(first.succeeded, "\(first.failure ?? "")")
    let compiledA = RulesetCompiler.compile(a, node: Self.node).ruleset
    let affinity = try #require(compiledA.tables[0].sets.first { $0.flags.contains(.dynamic) }).name
    try ns.nft("add", "element", "ip", "kproxy", affinity, "{ 192.0.2.7 }")

    // The new run, with one more endpoint for api.
    let backend = RecordingTransactionBackend(try NetlinkTransactionBackend(namespace: ns.namespace))
    let loop = Self.loop(backend, b)
    let adopted = await loop.sync()
    #expect(adopted.succeeded, "\(adopted.failure ?? "")")
    #expect(adopted.report?.full == true && adopted.report?.replaceReason == nil)
    let tx = try #require(await backend.applied.first)
    #expect(!tx.commands.contains { if case .deleteTable = $0 { true } else { false } })
    let compiledB = RulesetCompiler.compile(b, node: Self.node).ruleset
    let rulesA = Dictionary(uniqueKeysWithValues: compiledA.tables[0].chains.map { ($0.name, $0.rules) })
    let rulesB = Dictionary(uniqueKeysWithValues: compiledB.tables[0].chains.map { ($0.name, $0.rules) })
    for case .flushChain(_, let chain) in tx.commands {
      #expect(rulesA[chain] != rulesB[chain], "chain \(chain) was flushed though it did not change")
    }
    #expect(try ns.nft("list", "set", "ip", "kproxy", affinity).contains("192.0.2.7"))
    let kernel = try await backend.currentRuleset(tables: compiledB.tables.map(\.ref), spelling: compiledB)
    #expect(CanonicalRuleset(kernel) == CanonicalRuleset(compiledB))

    // A quiet periodic sync sends nothing; someone else's flush is repaired by the next one.
    let quiet = await loop.sync(cause: .periodic)
    #expect(quiet.report == ModeSyncReport(full: false, commands: 0))
    try ns.nft("flush", "chain", "ip", "kproxy", "services")
    let repair = await loop.sync(cause: .periodic)
    #expect(repair.report?.repairedDrift == true, "\(repair.failure ?? "")")
    let repaired = try await backend.currentRuleset(tables: compiledB.tables.map(\.ref), spelling: compiledB)
    #expect(CanonicalRuleset(repaired) == CanonicalRuleset(compiledB))
    #expect(try ns.nft("list", "set", "ip", "kproxy", affinity).contains("192.0.2.7"))
  }

  /// With sets above the read-back limit (lowered to 1 here; 100k elements in production) the
  /// restart still declares no set anew: those sets are flushed and refilled in the adopting
  /// transaction, every other set is read back and diffed, and learned affinity stays.
  @Test func aRestartAboveTheElementLimitRefillsBigSetsWithoutDeclaringThemAnew() async throws {
    let ns = try ScratchNetns.make("adopt-big")
    let a = Self.state(apiEndpoints: 3)
    let first = await Self.loop(try NetlinkTransactionBackend(namespace: ns.namespace), a).sync()
    #expect(first.succeeded, "\(first.failure ?? "")")
    let compiled = RulesetCompiler.compile(a, node: Self.node).ruleset
    let affinity = try #require(compiled.tables[0].sets.first { $0.flags.contains(.dynamic) }).name
    try ns.nft("add", "element", "ip", "kproxy", affinity, "{ 192.0.2.7 }")
    let handles = try ns.setHandles()

    // The restart, with nothing changed: sets of more than one element are not read back.
    let backend = RecordingTransactionBackend(try NetlinkTransactionBackend(namespace: ns.namespace))
    let adopted = await Self.loop(backend, a, elementLimit: 1).sync()
    #expect(adopted.succeeded, "\(adopted.failure ?? "")")
    let tx = try #require(await backend.applied.first)
    let big = Set(compiled.tables[0].sets.filter { !$0.flags.contains(.dynamic) && $0.elements.count > 1 }.map(\.name))
    #expect(!big.isEmpty)
    var flushed = Set<String>()
    for command in tx.commands {
      switch command {
      case .flushSet(_, let s, _): flushed.insert(s)
      case .addElements(_, let s, _): #expect(big.contains(s.name), "elements added to \(s.name), which was read back")
      default: Issue.record("the adoption sent \(command), not only flushes and elements")
      }
    }
    #expect(flushed == big)
    #expect(try ns.setHandles() == handles)
    let kernel = try await backend.currentRuleset(tables: compiled.tables.map(\.ref), spelling: compiled)
    #expect(CanonicalRuleset(kernel) == CanonicalRuleset(compiled))
    #expect(try ns.nft("list", "set", "ip", "kproxy", affinity).contains("192.0.2.7"))
  }
}

import Dataplane
import Foundation
import NFTables
import NetAddress
import ServiceProxy
import Synchronization
// The dry-run backend: one block per sync, headed by `# sync N at <ISO time>: <cause>`, holding
// the transaction as nft text; the second sync prints only the difference.
import TestSupport
import Testing

@Suite struct DryRunBackendTests {
  @Test func headingNamesSyncTimeAndCause() {
    let date = Date(timeIntervalSince1970: 1_796_405_400.25)  // 2026-12-04T17:30:00.250Z
    let heading = DryRunBackend.heading(SyncContext(number: 3, cause: "changes: 2 service ports changed, 0 removed", date: date))
    #expect(heading == "# sync 3 at 2026-12-04T17:30:00.250Z: changes: 2 service ports changed, 0 removed")
  }

  @Test func eachSyncIsOneBlockOfNftText() async throws {
    let blocks = Mutex<[String]>([])
    let backend = DryRunBackend { text in blocks.withLock { $0.append(text) } }
    let node = ProxyStateGenerator.nodes[0]
    let queue = ChangeQueue(node: node)
    let loop = SyncLoop(mode: NFTablesMode(backend: backend), drain: { queue.drain() })
    var rng = SeededRandom(seed: 3)
    var ports = ProxyStateGenerator.step([:], &rng).new
    queue.set(ProxyChanges(node: node, full: ProxyStateGenerator.state(ports)))
    #expect(await loop.sync().succeeded)
    var svc = ports.values.sorted { $0.name < $1.name }[0]
    svc.endpoints = [
      EndpointInfo(ip: IPAddress("10.244.1.99")!, port: 8080, isLocal: false, ready: true, serving: true, terminating: false)
    ]
    ports[ProxyStateGenerator.key(svc)] = svc
    queue.set(ProxyChanges(node: node, changed: [svc]))
    #expect(await loop.sync().succeeded)
    // Nothing changed: no block.
    #expect(await loop.sync().succeeded)
    let out = blocks.withLock { $0 }
    try #require(out.count == 2)
    let heading = /^# sync (\d+) at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z: (.*)\n/
    let first = try #require(out[0].firstMatch(of: heading))
    #expect(first.1 == "1")
    #expect(first.2 == "changes: full state of \(ports.count) service port\(ports.count == 1 ? "" : "s")")
    #expect(out[0].contains("\nadd table ip kproxy"))
    let second = try #require(out[1].firstMatch(of: heading))
    #expect(second.1 == "2")
    #expect(second.2 == "changes: 1 service port changed, 0 removed")
    #expect(out[1].contains("10.244.1.99"))
    #expect(!out[1].contains("add table"))
  }

  @Test func anOutputThatFailsFailsTheSyncAndKeepsNothing() async throws {
    struct Closed: Error {}
    let backend = DryRunBackend { _ in throw Closed() }
    var tx = Transaction()
    tx.add(.addTable(TableRef(family: .ip, name: "kproxy"), comment: nil))
    await #expect(throws: DataplaneError.self) {
      try await backend.apply(tx, knownSets: Ruleset(), context: SyncContext(number: 1, cause: "x", date: Date()))
    }
    #expect(await backend.currentRuleset(tables: [TableRef(family: .ip, name: "kproxy")], spelling: nil).tables.isEmpty)
  }
}

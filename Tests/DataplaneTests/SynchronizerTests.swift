// The sync loop on both backends: first sync creates, the same sync changes nothing, a new
// ruleset is applied incrementally, --full replaces, learned affinity entries survive;
// cleanup removes only kproxy's tables.
import Dataplane
import Foundation
import KernelTestSupport
import NFTNetlink
import NFTables
import NetAddress
import Testing

/// A small ruleset with a map, an interval set and rules using them.
func sampleRuleset(endpoints: Int) -> Ruleset {
  let ref = TableRef(family: .ip, name: "kproxy")
  let map = NFTSet(name: "service-ips", keyType: [.ipv4Addr, .inetProto, .inetService], dataType: [.verdict], comment: "services")
  let elements = (0..<endpoints).map { i in
    Element([.address(.v4(IPv4Address(0x0a60_0000 + UInt32(i)))), .proto(.tcp), .port(80)], data: .verdict(.goto("svc")))
  }
  var m = map
  m.elements = elements
  let chains = [
    Chain(
      name: "prerouting", base: BaseChain(type: .nat, hook: .prerouting, priority: -100),
      rules: [
        Rule([.vmap([.daddr(.v4), .l4proto, .thDport], map: "service-ips")])
      ]),
    Chain(
      name: "svc",
      rules: (0..<endpoints).map { i in
        Rule([.cmp(.l4proto, .eq, .proto(.tcp)), .dnat(.v4(IPv4Address(0x0af4_0000 + UInt32(i))), port: 8080)], comment: "endpoint \(i)")
      }),
  ]
  _ = ref
  return Ruleset(tables: [Table(family: .ip, name: "kproxy", comment: "rules for kproxy", sets: [m], chains: chains)])
}

@Suite(.kernelTests) struct SynchronizerTests {
  static let backends = ["netlink", "nft"]

  static func backend(_ kind: String, _ ns: ScratchNetns) throws -> Backend {
    kind == "netlink" ? try NetlinkBackend(namespace: ns.namespace) : try NftBackend(namespace: ns.namespace)
  }

  @Test(arguments: backends)
  func syncCreatesThenUpdatesIncrementally(kind: String) throws {
    let ns = try ScratchNetns.make("sync-\(kind)")
    let sync = Synchronizer(backend: try Self.backend(kind, ns))
    let a = sampleRuleset(endpoints: 3)
    let b = sampleRuleset(endpoints: 4)
    #expect(try sync.sync(to: a, full: false).mode == .incremental)
    #expect(try sync.sync(to: a, full: false).mode == .unchanged)
    let update = try sync.sync(to: b, full: false)
    #expect(update.mode == .incremental)
    #expect(try sync.sync(to: b, full: false).mode == .unchanged)
    #expect(try sync.sync(to: b, full: true).mode == .full)
    #expect(try sync.sync(to: b, full: false).mode == .unchanged)
    let listing = try ns.nft("list", "ruleset")
    #expect(listing.contains("dnat to 10.244.0.3:8080 comment \"endpoint 3\""))
  }

  @Test(arguments: backends)
  func learnedAffinityEntriesSurviveASync(kind: String) throws {
    // The clients a ClientIP-affinity rule remembered are the kernel's state: a sync of an
    // unchanged or changed ruleset must not delete them (else every apply resets affinity).
    let ns = try ScratchNetns.make("aff-\(kind)")
    let sync = Synchronizer(backend: try Self.backend(kind, ns))
    let desired = try FixtureScenarios.compile("session-affinity").ruleset
    #expect(try sync.sync(to: desired, full: false).mode == .incremental)
    let table = try #require(desired.tables.first { $0.family == .ip })
    let set = try #require(table.sets.first { $0.flags.contains(.dynamic) }).name
    _ = try ns.nft("add", "element", "ip", "kproxy", set, "{ 192.0.2.7 }")
    #expect(try sync.sync(to: desired, full: false).mode == .unchanged)
    var changed = desired
    changed.tables[0].sets[0].elements.removeAll()
    #expect(try sync.sync(to: changed, full: false).mode == .incremental)
    #expect(try ns.nft("list", "set", "ip", "kproxy", set).contains("192.0.2.7 expires"))
  }

  @Test(arguments: backends)
  func upgradeFromPerServiceChainsReachesTheCurrentShape(kind: String) throws {
    // A node that ran the previous kproxy holds per-service chains; one sync, read back and
    // diffed, must leave exactly what a fresh node gets (and then nothing to do).
    let ns = try ScratchNetns.make("upg-\(kind)")
    let fresh = try ScratchNetns.make("upg-ref")
    let old = try String(
      contentsOf: FixtureScenarios.root.appendingPathComponent("upgrade/demo-per-service-chains.nft"), encoding: .utf8)
    try ns.load(old)
    let desired = try FixtureScenarios.compile("demo").ruleset
    let sync = Synchronizer(backend: try Self.backend(kind, ns))
    #expect(try sync.sync(to: desired, full: false).mode == .incremental)
    try fresh.load(desired.renderScript())
    #expect(sortedBlocks(try ns.listRuleset()) == sortedBlocks(try fresh.listRuleset()))
    #expect(try sync.sync(to: desired, full: false).mode == .unchanged)
  }

  @Test(arguments: backends)
  func cleanupRemovesOnlyKproxyTables(kind: String) throws {
    let ns = try ScratchNetns.make("clean-\(kind)")
    _ = try ns.nft("add", "table", "inet", "other")
    let backend = try Self.backend(kind, ns)
    let tables = [TableRef(family: .ip, name: "kproxy"), TableRef(family: .ip6, name: "kproxy")]
    try backend.deleteTables(tables)  // absent: fine
    _ = try Synchronizer(backend: backend).sync(to: sampleRuleset(endpoints: 2), full: false)
    try backend.deleteTables(tables)
    #expect(try ns.nft("list", "ruleset") == "table inet other {\n}\n")
  }

  @Test func foreignRuleFallsBackToFullReplace() throws {
    let ns = try ScratchNetns.make("foreign")
    let sync = Synchronizer(backend: try NetlinkBackend(namespace: ns.namespace))
    let a = sampleRuleset(endpoints: 2)
    _ = try sync.sync(to: a, full: false)
    _ = try ns.nft("add", "rule", "ip", "kproxy", "svc", "ip", "ttl", "1", "drop")
    let outcome = try sync.sync(to: a, full: false)
    #expect(outcome.mode == .full)
    #expect(outcome.fallbackReason != nil)
    #expect(try sync.sync(to: a, full: false).mode == .unchanged)
  }
}

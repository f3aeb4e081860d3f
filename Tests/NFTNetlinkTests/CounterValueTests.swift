import Foundation
// Counter values against a real kernel: packets are counted in the counter the map names (a
// key without one ends the rule), values are read back and survive incremental syncs, a counter
// an element names cannot be deleted, and the learned elements of dynamic sets read back.
import KernelTestSupport
import NFTables
import NetAddress
import Testing

@testable import NFTNetlink

@Suite(.kernelTests) struct CounterValueTests {
  static let ip = TableRef(family: .ip, name: "kproxy")

  /// Sends one UDP datagram to 127.0.0.1:`port` from inside `ns`; false if the send failed
  /// (a drop on the output hook fails it with EPERM).
  static func sendUDP(_ ns: TestNamespace, port: UInt16) -> Bool {
    (try? ScratchNamespace.run(["ip", "netns", "exec", ns.name, "bash", "-c", "echo kproxy > /dev/udp/127.0.0.1/\(port)"])) != nil
  }

  static func loopback(_ ns: TestNamespace) throws {
    try ScratchNamespace.run(["ip", "-n", ns.name, "link", "set", "lo", "up"])
  }

  @Test func packetsAreCountedAndAMissEndsTheRule() throws {
    let ns = try TestNamespace.make("ctr-pkt")
    try Self.loopback(ns)
    let t = TableRef(family: .ip, name: "t")
    let map = NFTSet(
      name: "m", keyType: [.ipv4Addr, .inetProto, .inetService], dataType: [.counter],
      elements: [Element([.address(IPAddress("127.0.0.1")!), .proto(.udp), .port(9)], data: .object("c-hit"))])
    // `counter name ... map @m drop`: drops what has a counter; a miss must end the rule
    // (NFT_BREAK), not drop.
    let chain = Chain(
      name: "out", base: BaseChain(type: .filter, hook: .output, priority: 0),
      rules: [Rule([.counterMap([.daddr(.v4), .l4proto, .thDport], map: "m"), .verdict(.drop)])])
    let ruleset = Ruleset(tables: [Table(family: .ip, name: "t", counters: [CounterObject(name: "c-hit")], sets: [map], chains: [chain])])
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(ruleset.replaceTransaction())
    #expect(Self.sendUDP(ns, port: 10))
    #expect(!Self.sendUDP(ns, port: 9))
    let counters = try client.counters(table: t)
    #expect(counters.map(\.name) == ["c-hit"])
    #expect(counters.first?.packets == 1)
    #expect((counters.first?.bytes ?? 0) > 28)
  }

  @Test func valuesAreReadAndSurviveIncrementalSyncs() throws {
    let ns = try TestNamespace.make("ctr-keep")
    let before = CounterVocabulary.beforeRuleset
    // The counters start with values: nft declares them with `packets 5 bytes 500`.
    let script = before.renderScript().replacingOccurrences(
      of: "\tcounter c-a {\n\t\tcomment \"ns/a:http\"\n", with: "\tcounter c-a {\n\t\tcomment \"ns/a:http\"\n\t\tpackets 5 bytes 500\n")
    #expect(script != before.renderScript())
    try ns.load(script)
    let client = try NetlinkClient(namespace: ns.namespace)
    let refs = before.tables.map(\.ref)
    let read = try client.currentRuleset(tables: refs, spelling: before)
    let a = try #require(read.tables.first { $0.ref == Self.ip }?.counters.first { $0.name == "c-a" })
    #expect(a == CounterObject(name: "c-a", comment: "ns/a:http", packets: 5, bytes: 500))
    #expect(read.diff(to: before).isEmpty)

    // Other elements and counters change; c-a and its element stay.
    var changed = before
    for i in changed.tables.indices {
      let family = changed.tables[i].family
      changed.tables[i].counters.removeAll { $0.name == "c-b" }
      changed.tables[i].sets[0].elements = [
        CounterVocabulary.service(family, 1, .tcp, 80, "c-a", comment: "ns/a:http"),
        CounterVocabulary.service(family, 7, .tcp, 8080, "c-plain"),
      ]
    }
    let tx = try client.currentRuleset(tables: refs, spelling: changed).diff(to: changed)
    #expect(!tx.isEmpty)
    #expect(!tx.renderScript().contains("c-a"))
    try client.apply(tx, knownSets: changed)
    let kept = try client.counters(table: Self.ip)
    #expect(kept.first { $0.name == "c-a" } == CounterObject(name: "c-a", comment: "ns/a:http", packets: 5, bytes: 500))
    #expect(!kept.contains { $0.name == "c-b" })
    #expect(CanonicalRuleset(try client.currentRuleset(tables: refs)) == CanonicalRuleset(changed))

    // A new comment declares the counter anew: it starts again at zero.
    var recommented = changed
    for i in recommented.tables.indices { recommented.tables[i].counters[0].comment = "ns/a:renamed" }
    try client.apply(try client.currentRuleset(tables: refs, spelling: recommented).diff(to: recommented), knownSets: recommented)
    #expect(try client.counters(table: Self.ip).first { $0.name == "c-a" } == CounterObject(name: "c-a", comment: "ns/a:renamed"))
  }

  @Test func aCounterAnElementNamesCannotBeDeleted() throws {
    let ns = try TestNamespace.make("ctr-busy")
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(CounterVocabulary.beforeRuleset.replaceTransaction())
    let before = try ns.listRuleset()
    var tx = Transaction()
    tx.add(.deleteCounter(Self.ip, counter: "c-a"))
    let error = try #require(throws: NetlinkError.self) { try client.apply(tx) }
    #expect(error == .rejected(operation: "delete counter c-a in table ip kproxy", errno: EBUSY))
    #expect(error.description == "netlink: delete counter c-a in table ip kproxy: Device or resource busy (EBUSY)")
    #expect(try ns.listRuleset() == before)
  }

  @Test func countersOfAMissingTableAreNone() throws {
    let ns = try TestNamespace.make("ctr-none")
    #expect(try NetlinkClient(namespace: ns.namespace).counters(table: Self.ip).isEmpty)
  }

  @Test func learnedElementsReadBackWithExpirations() throws {
    let ns = try TestNamespace.make("ctr-learn")
    try Self.loopback(ns)
    let t = TableRef(family: .ip, name: "t")
    let sets = [
      NFTSet(name: "affinity", keyType: [.ipv4Addr, .inetService], flags: [.dynamic, .timeout], timeoutSeconds: 60, size: 1024),
      NFTSet(name: "clients", keyType: [.ipv4Addr], flags: [.dynamic, .timeout], timeoutSeconds: 3600),
      NFTSet(name: "plain", keyType: [.inetService], elements: [Element([.port(53)])]),
    ]
    let chain = Chain(
      name: "out", base: BaseChain(type: .filter, hook: .output, priority: 0),
      rules: [Rule([.cmp(.l4proto, .eq, .proto(.udp)), .updateSet([.daddr(.v4), .thDport], set: "affinity")])])
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(Ruleset(tables: [Table(family: .ip, name: "t", sets: sets, chains: [chain])]).replaceTransaction())
    #expect(Self.sendUDP(ns, port: 9))
    try ns.nft(["add", "element", "ip", "t", "clients", "{ 10.0.0.1 timeout 10s, 10.0.0.2 }"])

    let learned = try client.learnedElements(table: t, set: "affinity")
    #expect(learned.map(\.key) == [[.address(IPAddress("127.0.0.1")!), .port(9)]])
    let ms = try #require(learned.first?.expiresInMilliseconds)
    #expect(ms > 50_000 && ms <= 60_000)

    let clients = try client.learnedElements(table: t, set: "clients").sorted { "\($0.key)" < "\($1.key)" }
    #expect(clients.map(\.key) == [[.address(IPAddress("10.0.0.1")!)], [.address(IPAddress("10.0.0.2")!)]])
    let short = try #require(clients[0].expiresInMilliseconds)
    let long = try #require(clients[1].expiresInMilliseconds)
    #expect(short > 0 && short <= 10_000)
    #expect(long > 3_500_000 && long <= 3_600_000)

    #expect(try client.learnedElements(table: t, set: "plain") == [LearnedElement(key: [.port(53)], expiresInMilliseconds: nil)])
    let missing = try #require(throws: NetlinkError.self) { try client.learnedElements(table: t, set: "nope") }
    #expect(missing == .rejected(operation: "read set nope in table ip t", errno: ENOENT))
  }
}

// Counters through a sequence of syncs as the agent makes them (read back, diff, apply through
// netlink): elements re-pointed to other counters while the old ones go, comments changed,
// every counter replaced, maps emptied and dropped, and back. After every step the kernel lists
// exactly what `nft -f` of the step's ruleset gives, and reading back leaves nothing to do.
import KernelTestSupport
import NFTables
import Testing

@testable import NFTNetlink

@Suite(.kernelTests) struct CounterSequenceTests {
  static func c(_ name: String, _ comment: String? = nil) -> CounterObject { CounterObject(name: name, comment: comment) }

  /// Both families with the same counters, services (`last . proto . port : counter`) and node ports.
  static func step(
    _ counters: [CounterObject], services: [(Int, UInt16, String)], nodePorts: [(UInt16, String)] = [], mapsAndRules: Bool = true
  ) -> Ruleset {
    Ruleset(
      tables: [TableFamily.ip, .ip6].map { family in
        var t = CounterVocabulary.table(
          family, counters: counters + [c("c-plain")],
          services: services.map { CounterVocabulary.service(family, $0.0, .tcp, $0.1, $0.2) },
          nodePorts: nodePorts.map { Element([.proto(.udp), .port($0.0)], data: .object($0.1)) })
        if !mapsAndRules {
          t.sets = []
          t.chains = []
        }
        return t
      })
  }

  static let steps: [(String, Ruleset)] = [
    ("start", step([c("a", "ns/a"), c("b", "ns/b")], services: [(1, 80, "a"), (2, 80, "b")], nodePorts: [(30053, "b")])),
    ("re-point, drop a", step([c("b", "ns/b")], services: [(1, 80, "b"), (2, 80, "b")], nodePorts: [(30053, "b")])),
    (
      "new c, b re-commented",
      step([c("b", "ns/b:renamed"), c("c")], services: [(1, 80, "c"), (2, 80, "b"), (3, 443, "b")], nodePorts: [(30053, "c")])
    ),
    ("every counter replaced", step([c("d", "ns/d"), c("e")], services: [(1, 80, "d"), (3, 443, "e")], nodePorts: [(30053, "e")])),
    ("maps emptied", step([c("d", "ns/d"), c("e")], services: [])),
    ("maps and rules gone, counters kept", step([c("d", "ns/d"), c("e")], services: [], mapsAndRules: false)),
    ("back to start", step([c("a", "ns/a"), c("b", "ns/b")], services: [(1, 80, "a"), (2, 80, "b")], nodePorts: [(30053, "b")])),
  ]

  @Test func everyStepListsLikeNft() throws {
    let ns = try TestNamespace.make("ctr-seq")
    let client = try NetlinkClient(namespace: ns.namespace)
    let refs = [TableRef(family: .ip, name: "kproxy"), TableRef(family: .ip6, name: "kproxy")]
    for (name, desired) in Self.steps {
      let tx = try client.currentRuleset(tables: refs, spelling: desired).diff(to: desired)
      try client.apply(tx, knownSets: desired)
      let reference = try TestNamespace.make("ctr-seq-ref")
      try reference.load(desired.renderScript())
      let want = sortedBlocks(try reference.listRuleset())
      let got = sortedBlocks(try ns.listRuleset())
      #expect(got == want, "\(name):\n\(firstDifferences(want, got))")
      #expect(try client.currentRuleset(tables: refs, spelling: desired).diff(to: desired).isEmpty, "\(name)")
      #expect(try client.counters(table: refs[0]).map(\.name).sorted() == desired.tables[0].counters.map(\.name).sorted(), "\(name)")
    }
  }

  /// The same sequence when the maps' elements are not read back (the agent's path for large
  /// maps: flushed and refilled): counters are still deleted only once nothing names them.
  @Test func everyStepListsLikeNftWithUnreadMaps() throws {
    let ns = try TestNamespace.make("ctr-unread")
    let client = try NetlinkClient(namespace: ns.namespace)
    let refs = [TableRef(family: .ip, name: "kproxy"), TableRef(family: .ip6, name: "kproxy")]
    for (name, desired) in Self.steps {
      let (kernel, unread) = try client.currentRuleset(tables: refs, spelling: desired, elementDumpLimit: 0)
      try client.apply(kernel.diff(to: desired, unreadElements: unread), knownSets: desired)
      let reference = try TestNamespace.make("ctr-unread-ref")
      try reference.load(desired.renderScript())
      let want = sortedBlocks(try reference.listRuleset())
      let got = sortedBlocks(try ns.listRuleset())
      #expect(got == want, "\(name):\n\(firstDifferences(want, got))")
    }
  }
}

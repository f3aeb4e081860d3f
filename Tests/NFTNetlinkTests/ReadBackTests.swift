import Foundation
// Read-back: what netlink wrote dumps back into the same model (no difference to apply), and
// outside tampering (deleted rules, flushed chains, removed elements) is undone by dump+diff+apply.
import KernelTestSupport
import NFTNetlink
import NFTables
import Testing

/// The model with every set's elements in a canonical order (the kernel dumps hash order).
func canonical(_ r: Ruleset) -> Ruleset {
  var r = r
  r.absentTables = []  // what must not exist: a desired ruleset's, never read back
  for t in r.tables.indices {
    for s in r.tables[t].sets.indices {
      r.tables[t].sets[s].elements.sort { "\($0)" < "\($1)" }
    }
  }
  return r
}

@Suite(.kernelTests) struct ReadBackTests {
  @Test(arguments: FixtureSet.scenarios)
  func dumpEqualsModel(scenario: String) throws {
    let ns = try TestNamespace.make("rb")
    let desired = try FixtureSet.ruleset(scenario)
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(desired.replaceTransaction())
    let kernel = try client.currentRuleset(tables: desired.tables.map(\.ref), spelling: desired)
    #expect(canonical(kernel) == canonical(desired))
    #expect(kernel.diff(to: desired).isEmpty)
  }

  @Test func absentTablesAreLeftOut() throws {
    let ns = try TestNamespace.make("rb-absent")
    let client = try NetlinkClient(namespace: ns.namespace)
    let kernel = try client.currentRuleset(tables: [TableRef(family: .ip, name: "kproxy"), TableRef(family: .ip6, name: "kproxy")])
    #expect(kernel.tables.isEmpty)
  }

  @Test func tamperingIsRepaired() throws {
    let ns = try TestNamespace.make("tamper")
    let ref = try TestNamespace.make("tamper-ref")
    let desired = try FixtureSet.ruleset("demo")
    let client = try NetlinkClient(namespace: ns.namespace)
    try client.apply(desired.replaceTransaction())
    try ref.load(desired.renderScript())
    let want = sortedBlocks(try ref.listRuleset())

    // Someone deletes a rule, flushes two chains (one a picker's DNAT) and removes map
    // elements (an endpoint slot) behind kproxy's back.
    func tamper() throws {
      let listing = try ns.nft(["-a", "list", "chain", "ip", "kproxy", "services"])
      let handle = try #require(
        listing.split(separator: "\n").compactMap { line -> String? in
          guard line.contains("vmap"), let r = line.range(of: "# handle ") else { return nil }
          return String(line[r.upperBound...])
        }.first)
      _ = try ns.nft(["delete", "rule", "ip", "kproxy", "services", "handle", handle])
      _ = try ns.nft(["flush", "chain", "ip", "kproxy", "masquerading"])
      _ = try ns.nft(["flush", "chain", "ip", "kproxy", "pick-endpoint-2"])
      _ = try ns.nft(["delete", "element", "ip", "kproxy", "service-nodeports", "{ tcp . 30080 }"])
      _ = try ns.nft(["delete", "element", "ip", "kproxy", "endpoints-1", "{ 10.96.0.1 . tcp . 443 . 0 }"])
      #expect(sortedBlocks(try ns.listRuleset()) != want)
    }
    try tamper()
    let kernel = try client.currentRuleset(tables: desired.tables.map(\.ref), spelling: desired)
    let repair = kernel.diff(to: desired)
    #expect(!repair.isEmpty)
    try client.apply(repair, knownSets: desired)
    #expect(sortedBlocks(try ns.listRuleset()) == want)
    #expect(try client.currentRuleset(tables: desired.tables.map(\.ref), spelling: desired).diff(to: desired).isEmpty)

    // The same repair as text through nft (the `--backend nft` path): the DNAT rule of the
    // flushed picker chain comes back with its map declared anew in the same transaction.
    try tamper()
    try ns.load(repair.renderScript())
    #expect(sortedBlocks(try ns.listRuleset()) == want)
  }
}

import CNftnl
import Foundation
// The direct reader of dumped rules (`RuleMessage`) against libnftnl's parser: the same table,
// chain, register expressions and comment for every rule of every fixture.
import KernelTestSupport
import NFTables
import Testing

@testable import NFTNetlink

@Suite struct RuleMessageTests {
  @Test(.kernelTests, arguments: FixtureSet.scenarios)
  func readerMatchesLibnftnl(scenario: String) throws {
    let ns = try TestNamespace.make("rmsg")
    let desired = try FixtureSet.ruleset(scenario)
    try NetlinkClient(namespace: ns.namespace).apply(desired.replaceTransaction())
    try Self.compareReaders(desired, in: ns)
  }

  @Test(.kernelTests) func readerMatchesLibnftnlForEveryExpression() throws {
    let ns = try TestNamespace.make("rmsg-vocab")
    try NetlinkClient(namespace: ns.namespace).apply(Vocabulary.ruleset.replaceTransaction())
    try Self.compareReaders(Vocabulary.ruleset, in: ns)
  }

  /// Dumps every rule of `desired` (applied in `ns`) and reads it both ways.
  static func compareReaders(_ desired: Ruleset, in ns: TestNamespace) throws {
    let client = try NetlinkClient(namespace: ns.namespace)
    var rules = 0
    for table in desired.tables {
      for chain in table.chains {
        let filter = try NftnlRule(table: table.name, chain: chain.name)
        try client.request(
          type: NFT_MSG_GETRULE, family: TransactionEncoder.family(table.family), dump: true,
          build: { nlh in
            filter.withPointer { nftnl_rule_nlmsg_build_payload(nlh, $0) }
          }
        ) { nlh in
          let r = try NftnlRule()
          #expect(r.parse(nlh))
          let m = try #require(RuleMessage(nlh))
          #expect(m.isIn(table: r.table, chain: r.chain))
          #expect(m.isIn(table: table.name, chain: chain.name))
          #expect(m.expressions == r.knownExpressions)
          #expect(m.expressions != nil)
          #expect(m.comment == r.comment)
          rules += 1
        }
      }
    }
    #expect(rules == desired.tables.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.rules.count } })
  }

  @Test func attributesStopAtATruncatedLength() {
    let bytes: [UInt8] = [8, 0, 1, 0, 0, 0, 0, 1, 200, 0, 2, 0]
    bytes.withUnsafeBytes { buf in
      var attrs = NetlinkAttributes(buf)
      #expect(attrs.next()?.type == 1)
      #expect(attrs.next() == nil)
      #expect(attrs.malformed)
    }
  }
}

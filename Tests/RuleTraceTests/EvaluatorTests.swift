// The evaluator's kernel semantics on hand-built rulesets: jump/goto/return, numgen branches
// merged with exact probabilities, interval-set lookups, NAT chains skipped once NAT is set up,
// and errors for rulesets the kernel would refuse.
import NFTables
import NetAddress
import RuleTrace
import Testing

@Suite struct EvaluatorTests {
  static let v4 = IPVersion.v4
  static func ip(_ s: String) -> IPAddress { IPAddress(s)! }
  static let node = TraceNode(localAddresses: [ip("192.168.1.10")])
  static func flow(_ to: String = "10.0.0.1", _ port: UInt16 = 80) -> TraceFlow {
    TraceFlow(source: ip("10.1.0.1"), destination: ip(to), destinationPort: port, proto: .tcp, path: .prerouting)
  }
  static func table(sets: [NFTSet] = [], _ chains: [Chain]) -> Ruleset {
    Ruleset(tables: [Table(family: .ip, name: "t", sets: sets, chains: chains)])
  }
  static let natPre = BaseChain(type: .nat, hook: .prerouting, priority: -100)

  @Test func gotoDoesNotComeBackButJumpAndReturnDo() throws {
    let rs = Self.table([
      Chain(name: "pre", base: Self.natPre, rules: [Rule([.verdict(.jump("a"))]), Rule([.dnat(Self.ip("10.9.0.1"), port: 1)])]),
      Chain(name: "a", rules: [Rule([.verdict(.goto("b"))]), Rule([.dnat(Self.ip("10.9.0.2"), port: 2)])]),
      Chain(name: "b", rules: [Rule([.verdict(.return_)]), Rule([.dnat(Self.ip("10.9.0.3"), port: 3)])]),
    ])
    let r = try TraceEvaluator(ruleset: rs, node: Self.node).trace(Self.flow())
    // b returns to pre (a was left by goto), whose next rule DNATs to .1.
    #expect(r.outcomes.map(\.summary) == ["DNAT to 10.9.0.1:1"])
  }

  @Test func numgenBranchesMergeIntoExactProbabilities() throws {
    // kube-proxy's inline choice: rule i of n is `numgen random mod (n-i) 0 dnat to EP_i`.
    let eps = (1...5).map { Self.ip("10.9.0.\($0)") }
    var rules: [Rule] = []
    for (i, e) in eps.enumerated() {
      let left = UInt32(eps.count - i)
      rules.append(
        Rule(left > 1 ? [.cmp(.numgenRandom(mod: left), .eq, .integer(0)), .dnat(e, port: 80)] : [.dnat(e, port: 80)]))
    }
    let rs = Self.table([Chain(name: "pre", base: Self.natPre, rules: rules)])
    let r = try TraceEvaluator(ruleset: rs, node: Self.node).trace(Self.flow())
    #expect(r.outcomes.count == 5)
    #expect(r.outcomes.allSatisfy { $0.probability == Probability(1, 5) })
  }

  @Test func intervalSetsMatchPrefixesAndNegatedLookupsInvert() throws {
    let allow = NFTSet(
      name: "allow", keyType: [.ipv4Addr, .ipv4Addr], flags: .interval,
      elements: [Element([.address(Self.ip("10.0.0.1")), .prefix(IPPrefix("10.1.0.0/16")!)])])
    let rs = Self.table(
      sets: [allow],
      [
        Chain(
          name: "pre", base: BaseChain(type: .filter, hook: .prerouting, priority: -110),
          rules: [Rule([.lookup([.daddr(Self.v4), .saddr(Self.v4)], set: "allow", negated: true), .verdict(.drop)])])
      ])
    let t = TraceEvaluator(ruleset: rs, node: Self.node)
    #expect(try t.trace(Self.flow()).outcomes.map(\.summary) == ["untouched"])
    #expect(try t.trace(Self.flow("10.0.0.2")).outcomes.map(\.summary) == ["DROP"])
  }

  @Test func laterNATChainsOfAHookAreSkippedOnceDNATIsSetUp() throws {
    let rs = Ruleset(tables: [
      Table(family: .ip, name: "a", chains: [Chain(name: "pre", base: Self.natPre, rules: [Rule([.dnat(Self.ip("10.9.0.1"), port: 1)])])]),
      Table(
        family: .ip, name: "b",
        chains: [
          Chain(
            name: "pre", base: BaseChain(type: .nat, hook: .prerouting, priority: -50), rules: [Rule([.dnat(Self.ip("10.9.0.2"), port: 2)])]
          )
        ]),
    ])
    #expect(try TraceEvaluator(ruleset: rs, node: Self.node).trace(Self.flow()).outcomes.map(\.summary) == ["DNAT to 10.9.0.1:1"])
  }

  @Test func rulesetsTheKernelWouldRefuseAreErrors() throws {
    let missing = Self.table([Chain(name: "pre", base: Self.natPre, rules: [Rule([.verdict(.jump("nowhere"))])])])
    #expect(throws: TraceError.unknownChain(table: "ip t", chain: "nowhere")) {
      try TraceEvaluator(ruleset: missing, node: Self.node).trace(Self.flow())
    }
    let loop = Self.table([
      Chain(name: "pre", base: Self.natPre, rules: [Rule([.verdict(.jump("a"))])]),
      Chain(name: "a", rules: [Rule([.verdict(.jump("a"))])]),
    ])
    #expect(throws: TraceError.tooDeep(table: "ip t", chain: "a")) {
      try TraceEvaluator(ruleset: loop, node: Self.node).trace(Self.flow())
    }
    let noSet = Self.table([Chain(name: "pre", base: Self.natPre, rules: [Rule([.lookup([.daddr(Self.v4)], set: "s", negated: false)])])])
    #expect(throws: TraceError.unknownSet(table: "ip t", set: "s")) {
      try TraceEvaluator(ruleset: noSet, node: Self.node).trace(Self.flow())
    }
  }

  @Test func anIPv6FlowSeesOnlyIPv6AndInetTables() throws {
    let rs = Ruleset(tables: [
      Table(family: .ip, name: "four", chains: [Chain(name: "pre", base: Self.natPre, rules: [Rule([.verdict(.drop)])])]),
      Table(
        family: .ip6, name: "six", chains: [Chain(name: "pre", base: Self.natPre, rules: [Rule([.dnat(Self.ip("fd00::5"), port: 8)])])]),
    ])
    let f = TraceFlow(source: Self.ip("fd00::1"), destination: Self.ip("fd00::9"), destinationPort: 80, proto: .tcp, path: .prerouting)
    #expect(try TraceEvaluator(ruleset: rs, node: Self.node).trace(f).outcomes.map(\.summary) == ["DNAT to [fd00::5]:8"])
  }
}

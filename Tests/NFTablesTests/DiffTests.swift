// The ruleset diff: minimal commands, safe ordering (create before reference, unreference
// before delete), and the fallbacks for changes it cannot express incrementally.
import NFTables
import NetAddress
import Testing

@Suite struct DiffTests {
  static let t = TableRef(family: .ip, name: "kproxy")
  static func ip(_ s: String) -> Value { .address(IPAddress(s)!) }
  static func dispatch(_ elements: [Element]) -> NFTSet {
    NFTSet(name: "service-ips", keyType: [.ipv4Addr, .inetProto, .inetService], dataType: [.verdict], elements: elements)
  }
  static func svcChain(_ name: String, _ eps: [String]) -> Chain {
    Chain(name: name, rules: eps.map { Rule([.cmp(.l4proto, .eq, .proto(.tcp)), .dnat(IPAddress($0)!, port: 80)]) })
  }
  static func entry(_ vip: String, _ chain: String) -> Element {
    Element([ip(vip), .proto(.tcp), .port(80)], data: .verdict(.goto(chain)))
  }
  static func ruleset(sets: [NFTSet], chains: [Chain]) -> Ruleset {
    Ruleset(tables: [Table(family: .ip, name: "kproxy", sets: sets, chains: chains)])
  }

  @Test func identicalRulesetsGiveEmptyTransaction() {
    let r = Self.ruleset(sets: [Self.dispatch([Self.entry("10.96.0.1", "a")])], chains: [Self.svcChain("a", ["10.0.0.1"])])
    #expect(r.diff(to: r).isEmpty)
  }

  @Test func endpointChangeRewritesOneChain() {
    let old = Self.ruleset(
      sets: [Self.dispatch([Self.entry("10.96.0.1", "a"), Self.entry("10.96.0.2", "b")])],
      chains: [Self.svcChain("a", ["10.0.0.1"]), Self.svcChain("b", ["10.0.0.2"])])
    var new = old
    new.tables[0].chains[1] = Self.svcChain("b", ["10.0.0.2", "10.0.0.3"])
    let tx = old.diff(to: new)
    #expect(tx.commands.count == 3)
    #expect(tx.commands[0] == .flushChain(Self.t, chain: "b"))
  }

  @Test func newServiceCreatesChainBeforeElementAndRemovedServiceDeletesElementBeforeChain() throws {
    let old = Self.ruleset(sets: [Self.dispatch([Self.entry("10.96.0.1", "a")])], chains: [Self.svcChain("a", ["10.0.0.1"])])
    let new = Self.ruleset(sets: [Self.dispatch([Self.entry("10.96.0.2", "b")])], chains: [Self.svcChain("b", ["10.0.0.2"])])
    let tx = old.diff(to: new)
    let cmds = tx.commands
    func index(_ p: (Command) -> Bool) throws -> Int {
      let i = cmds.firstIndex(where: p)
      return try #require(i)
    }
    let addChain = try index { if case .addChain(_, let c) = $0 { return c.name == "b" } else { return false } }
    let addElem = try index { if case .addElements = $0 { return true } else { return false } }
    let delElem = try index { if case .deleteElements = $0 { return true } else { return false } }
    let flushA = try index { $0 == .flushChain(Self.t, chain: "a") }
    let delChain = try index { $0 == .deleteChain(Self.t, chain: "a") }
    #expect(addChain < addElem)
    #expect(delElem < delChain)
    #expect(flushA < delChain)
  }

  @Test func changedVerdictReplacesElement() {
    let old = Self.ruleset(
      sets: [Self.dispatch([Self.entry("10.96.0.1", "a")])], chains: [Self.svcChain("a", ["10.0.0.1"]), Self.svcChain("b", ["10.0.0.1"])])
    let new = Self.ruleset(
      sets: [Self.dispatch([Self.entry("10.96.0.1", "b")])], chains: [Self.svcChain("a", ["10.0.0.1"]), Self.svcChain("b", ["10.0.0.1"])])
    let tx = old.diff(to: new)
    #expect(
      tx.renderScript() == """
        delete element ip kproxy service-ips {
        \t10.96.0.1 . tcp . 80
        }
        add element ip kproxy service-ips {
        \t10.96.0.1 . tcp . 80 : goto b
        }

        """)
  }

  @Test func changedSetTimeoutRecreatesSetAfterFlushingItsUsers() {
    func rs(_ timeout: Int) -> Ruleset {
      Self.ruleset(
        sets: [NFTSet(name: "aff", keyType: [.ipv4Addr], flags: [.dynamic, .timeout], timeoutSeconds: timeout)],
        chains: [Chain(name: "a", rules: [Rule([.lookup([.saddr(.v4)], set: "aff", negated: false), .verdict(.accept)])])])
    }
    let tx = rs(10).diff(to: rs(20))
    #expect(
      tx.renderScript() == """
        flush chain ip kproxy a
        delete set ip kproxy aff
        add set ip kproxy aff { type ipv4_addr; flags dynamic,timeout; timeout 20s; }
        add rule ip kproxy a ip saddr @aff accept

        """)
  }

  @Test func tableOnlyInOneSide() {
    let a = Self.ruleset(sets: [], chains: [Chain(name: "x")])
    let empty = Ruleset()
    #expect(empty.diff(to: a).commands.first == .addTable(Self.t, comment: nil))
    #expect(a.diff(to: empty).commands == [.deleteTable(Self.t)])
  }

  @Test func replaceTransactionDeclaresEverything() {
    let r = Self.ruleset(sets: [Self.dispatch([Self.entry("10.96.0.1", "a")])], chains: [Self.svcChain("a", ["10.0.0.1"])])
    let text = r.replaceTransaction().renderScript()
    #expect(text.hasPrefix("add table ip kproxy\ndelete table ip kproxy\nadd table ip kproxy\nadd chain ip kproxy a\n"))
  }
}

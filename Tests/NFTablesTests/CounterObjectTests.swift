// Counter objects and `: counter` maps: their nft text, how a diff keeps them (never reset,
// deleted only after the elements naming them), and the in-memory kernel's reference rules.
import NFTables
import NetAddress
import Testing

@Suite struct CounterObjectTests {
  static let t = TableRef(family: .ip, name: "kproxy")
  static let mapHeader = NFTSet(name: "service-counters", keyType: [.ipv4Addr, .inetProto, .inetService], dataType: [.counter])

  static func element(_ ip: String, _ port: UInt16, _ counter: String) -> Element {
    Element([.address(IPAddress(ip)!), .proto(.tcp), .port(port)], data: .object(counter))
  }

  static func table(_ counters: [CounterObject], _ elements: [Element]) -> Table {
    var map = mapHeader
    map.elements = elements
    let rule = Rule([.counterMap([.daddr(.v4), .l4proto, .thDport], map: "service-counters")])
    let chain = Chain(name: "filter-prerouting", base: BaseChain(type: .filter, hook: .prerouting, priority: -110), rules: [rule])
    return Table(family: .ip, name: "kproxy", counters: counters, sets: [map], chains: [chain])
  }

  static let a = CounterObject(name: "c-a", comment: "ns/a:http")
  static let b = CounterObject(name: "c-b", comment: "ns/b:dns")

  @Test func rendersAsNftSpellsIt() {
    let script = Ruleset(tables: [Self.table([Self.a], [Self.element("10.96.0.1", 80, "c-a")])]).renderScript()
    #expect(
      script.contains(
        """
        \tcounter c-a {
        \t\tcomment "ns/a:http"
        \t}

        \tmap service-counters {
        \t\ttype ipv4_addr . inet_proto . inet_service : counter
        \t\telements = { 10.96.0.1 . tcp . 80 : "c-a" }
        \t}
        """))
    #expect(script.contains("\t\tcounter name ip daddr . meta l4proto . th dport map @service-counters\n"))
    var tx = Transaction()
    tx.add(.addCounter(Self.t, Self.a))
    tx.add(.addCounter(Self.t, CounterObject(name: "plain")))
    tx.add(.deleteCounter(Self.t, counter: "c-b"))
    #expect(
      tx.renderScript() == """
        add counter ip kproxy c-a { comment "ns/a:http"; }
        add counter ip kproxy plain
        delete counter ip kproxy c-b

        """)
  }

  @Test func namesAreValidated() {
    var tx = Transaction()
    tx.add(.addCounter(Self.t, CounterObject(name: "c;flush ruleset")))
    #expect(tx.error == .invalidName(kind: "counter", name: "c;flush ruleset"))
    var tx2 = Transaction()
    tx2.add(.addElements(Self.t, set: Self.mapHeader, [Self.element("10.0.0.1", 1, "x\" }")]))
    #expect(tx2.error == .invalidName(kind: "counter", name: "x\" }"))
  }

  @Test func keptCountersAreNeverResetAndValuesDoNotCount() throws {
    var kernelSide = Self.table([Self.a], [Self.element("10.96.0.1", 80, "c-a")])
    kernelSide.counters[0].packets = 42
    kernelSide.counters[0].bytes = 4200
    let desired = Self.table([Self.a], [Self.element("10.96.0.1", 80, "c-a")])
    #expect(Ruleset(tables: [kernelSide]).diff(to: Ruleset(tables: [desired])).isEmpty)
    #expect(CanonicalRuleset(Ruleset(tables: [kernelSide])) == CanonicalRuleset(Ruleset(tables: [desired])))
  }

  @Test func addsBeforeUseAndDeletesAfterTheElements() throws {
    let before = Ruleset(tables: [Self.table([Self.a], [Self.element("10.96.0.1", 80, "c-a")])])
    let after = Ruleset(tables: [Self.table([Self.b], [Self.element("10.96.0.2", 53, "c-b")])])
    var kernel = InMemoryKernel()
    try kernel.apply(Ruleset().diff(to: before))
    let tx = kernel.ruleset.diff(to: after)
    let text = tx.renderScript()
    #expect(text.contains("add counter ip kproxy c-b"))
    #expect(text.contains("delete counter ip kproxy c-a"))
    let lines = text.split(separator: "\n")
    func line(_ prefix: String) -> Int { lines.firstIndex { $0.hasPrefix(prefix) }! }
    let addB = line("add counter ip kproxy c-b")
    let addElement = line("add element")
    let deleteElement = line("delete element")
    let deleteA = line("delete counter")
    #expect(addB < addElement)
    #expect(deleteElement < deleteA)
    try kernel.apply(tx)
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(after))
  }

  @Test func aChangedCommentDeclaresTheCounterAnewAroundItsElements() throws {
    let before = Ruleset(tables: [Self.table([Self.a], [Self.element("10.96.0.1", 80, "c-a")])])
    var renamed = Self.a
    renamed.comment = "ns/a:web"
    let after = Ruleset(tables: [Self.table([renamed], [Self.element("10.96.0.1", 80, "c-a")])])
    var kernel = InMemoryKernel()
    try kernel.apply(Ruleset().diff(to: before))
    let tx = kernel.ruleset.diff(to: after)
    #expect(
      tx.renderScript() == """
        delete element ip kproxy service-counters {
        \t10.96.0.1 . tcp . 80
        }
        delete counter ip kproxy c-a
        add counter ip kproxy c-a { comment "ns/a:web"; }
        add element ip kproxy service-counters {
        \t10.96.0.1 . tcp . 80 : "c-a"
        }

        """)
    try kernel.apply(tx)
    #expect(CanonicalRuleset(kernel.ruleset) == CanonicalRuleset(after))
  }

  @Test func theInMemoryKernelRefusesDanglingAndBusyCounters() throws {
    var kernel = InMemoryKernel()
    try kernel.apply(Ruleset().diff(to: Ruleset(tables: [Self.table([Self.a], [Self.element("10.96.0.1", 80, "c-a")])])))
    let before = kernel.ruleset
    for (command, code) in [
      (Command.deleteCounter(Self.t, counter: "c-a"), InMemoryKernelError.Code.busy),
      (Command.deleteCounter(Self.t, counter: "nope"), .noEntry),
      (Command.addElements(Self.t, set: Self.mapHeader, [Self.element("10.0.0.9", 1, "nope")]), .noEntry),
      (Command.addCounter(Self.t, CounterObject(name: "c-a", comment: "other")), .exists),
    ] {
      var tx = Transaction()
      tx.add(command)
      #expect(throws: InMemoryKernelError.self) { try kernel.apply(tx) }
      do { try kernel.apply(tx) } catch { #expect(error.code == code) }
      #expect(kernel.ruleset == before)
    }
  }
}

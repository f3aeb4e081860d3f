// The in-memory kernel enforces nf_tables' reference rules and applies batches atomically.
import NFTables
import NetAddress
import Testing

@Suite struct InMemoryKernelTests {
  static let t = TableRef(family: .ip, name: "kproxy")
  static let map = NFTSet(name: "m", keyType: [.ipv4Addr], dataType: [.verdict])
  static func goto(_ c: String) -> Element { Element([.address(IPAddress("10.0.0.1")!)], data: .verdict(.goto(c))) }

  static func base() throws -> InMemoryKernel {
    var k = InMemoryKernel()
    var tx = Transaction()
    tx.add(.addTable(t, comment: nil))
    tx.add(.addChain(t, Chain(name: "a")))
    tx.add(.addChain(t, Chain(name: "b")))
    tx.add(.addSet(t, map))
    tx.add(.addRule(t, chain: "a", Rule([.verdict(.jump("b"))])))
    tx.add(.addElements(t, set: map, [goto("b")]))
    try k.apply(tx)
    return k
  }

  @Test(arguments: [
    (Command.deleteChain(t, chain: "b"), InMemoryKernelError.Code.busy),
    (Command.deleteChain(t, chain: "a"), .busy),
    (Command.addRule(t, chain: "a", Rule([.verdict(.goto("missing"))])), .noEntry),
    (Command.addRule(t, chain: "missing", Rule([.verdict(.accept)])), .noEntry),
    (Command.addRule(t, chain: "a", Rule([.lookup([.saddr(.v4)], set: "nope", negated: false)])), .noEntry),
    (Command.deleteElements(t, set: map, [Element([.address(IPAddress("10.9.9.9")!)])]), .noEntry),
    (Command.addElements(t, set: map, [goto("missing")]), .noEntry),
    (Command.flushSet(t, set: "nope", isMap: true), .noEntry),
    (Command.addChain(t, Chain(name: "a", base: BaseChain(type: .nat, hook: .output, priority: 0))), .exists),
  ])
  func refusesDanglingOrBusy(command: Command, code: InMemoryKernelError.Code) throws {
    var k = try Self.base()
    let before = k.ruleset
    var tx = Transaction()
    tx.add(.addChain(Self.t, Chain(name: "c")))  // applied first, must be rolled back
    tx.add(command)
    #expect(throws: InMemoryKernelError.self) { try k.apply(tx) }
    do { try k.apply(tx) } catch { #expect(error.code == code && error.commandIndex == 1) }
    #expect(k.ruleset == before)
  }

  @Test func flushedSetIsRefilledInTheSameTransaction() throws {
    var k = try Self.base()
    let before = k.ruleset
    var tx = Transaction()
    tx.add(.flushSet(Self.t, set: "m", isMap: true))
    #expect(tx.renderScript() == "flush map ip kproxy m\n")
    tx.add(.addElements(Self.t, set: Self.map, before.tables[0].sets[0].elements))
    try k.apply(tx)
    #expect(k.ruleset == before)
    var flushOnly = Transaction()
    flushOnly.add(.flushSet(Self.t, set: "m", isMap: true))
    try k.apply(flushOnly)
    #expect(k.ruleset.tables[0].sets[0].elements.isEmpty)
    #expect(k.ruleset.tables[0].chains == before.tables[0].chains)
  }

  @Test func flushThenDeleteSucceeds() throws {
    var k = try Self.base()
    var tx = Transaction()
    tx.add(.flushChain(Self.t, chain: "a"))
    tx.add(.deleteElements(Self.t, set: Self.map, [Self.goto("b")]))
    tx.add(.deleteChain(Self.t, chain: "b"))
    tx.add(.deleteChain(Self.t, chain: "a"))
    tx.add(.deleteSet(Self.t, set: "m", isMap: true))
    try k.apply(tx)
    #expect(k.ruleset.tables[0].chains.isEmpty && k.ruleset.tables[0].sets.isEmpty)
  }
}

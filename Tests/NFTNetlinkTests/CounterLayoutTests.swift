// Counter objects, `: counter` maps and `counter name KEY map @M` encode as nft 1.0.6 sends
// them (bytes from `nft --debug=mnl`), lift back, and refuse what nft cannot declare; no kernel.
import NFTables
import NetAddress
import Testing

@testable import NFTNetlink

@Suite struct CounterLayoutTests {
  static let serviceCounters = NFTSet(
    name: "service-counters", keyType: [.ipv4Addr, .inetProto, .inetService], dataType: [.counter])

  @Test func counterMapLikeNft() {
    let l = SetLayout(Self.serviceCounters)
    #expect(l.keyTypeID == 0x730d)
    #expect(l.keyLength == 12)
    // NFT_SET_OBJECT instead of NFT_SET_MAP; NFTA_SET_OBJ_TYPE instead of a data type.
    #expect(l.kernelFlags == 0x40)
    #expect(l.objectType == 1)
    #expect(l.dataType == nil)
    #expect(l.dataLength == nil)
    // Key byte order, key concatenation, data interval: no data byte order, no data typeof.
    #expect(l.userData.bytes == [0, 4, 0, 0, 0, 0, 3, 8, 0, 4, 13, 0, 0, 0, 1, 0, 6, 4, 0, 0, 0, 0])
  }

  @Test func singleFieldIntervalCounterMapLikeNft() {
    let l = SetLayout(NFTSet(name: "m2", keyType: [.inetService], dataType: [.counter], flags: .interval))
    #expect(l.keyTypeID == 13)
    #expect(l.keyLength == 2)
    #expect(l.kernelFlags == 0x44)
    #expect(l.objectType == 1)
    #expect(l.userData.bytes == [0, 4, 2, 0, 0, 0, 6, 4, 0, 0, 0, 0])
  }

  @Test func otherSetsHaveNoObjectType() {
    #expect(SetLayout(NFTSet(name: "v", keyType: [.inetProto], dataType: [.verdict])).objectType == nil)
    #expect(SetLayout(NFTSet(name: "s", keyType: [.inetProto])).objectType == nil)
  }

  @Test func elementNamesItsCounter() throws {
    let e = Element([.address(IPAddress("10.96.0.1")!), .proto(.tcp), .port(80)], data: .object("c-a"))
    let l = try ElementLayout(e, of: Self.serviceCounters)
    #expect(l.key == [10, 96, 0, 1, 6, 0, 0, 0, 0, 80, 0, 0])
    #expect(l.objectName == "c-a")
    #expect(l.data == nil)
    #expect(l.verdict == nil)
    // An interval map: the counter goes with the range's start, none with its end.
    let ranges = NFTSet(name: "m2", keyType: [.inetService], dataType: [.counter], flags: .interval)
    let kernel = try ElementLayout.kernelElements(Element([.port(80)], data: .object("c1")), of: ranges)
    #expect(kernel.map(\.objectName) == ["c1", nil])
    #expect(kernel.map(\.isIntervalEnd) == [false, true])
  }

  @Test func dataMustFitTheMap() {
    let key: [Value] = [.address(IPAddress("10.96.0.1")!), .proto(.tcp), .port(80)]
    #expect(throws: LoweringError.self) { try ElementLayout(Element(key, data: .verdict(.accept)), of: Self.serviceCounters) }
    #expect(throws: LoweringError.self) { try ElementLayout(Element(key, data: .values([.port(1)])), of: Self.serviceCounters) }
    let valueMap = NFTSet(name: "m", keyType: [.inetProto], dataType: [.inetService])
    #expect(throws: LoweringError.self) { try ElementLayout(Element([.proto(.tcp)], data: .object("c")), of: valueMap) }
  }

  @Test func whatNftCannotDeclareIsRefused() {
    let typeofMap = NFTSet(
      name: "t", keyType: [.ipv4Addr], dataType: [.counter], typeof: SetTypeof(key: [.daddr(.v4)]))
    #expect(SetLayout.unsupported(typeofMap) == .valueMismatch(field: "typeof declaration of t", value: ": counter"))
    let mixed = NFTSet(name: "x", keyType: [.ipv4Addr], dataType: [.ipv4Addr, .counter])
    #expect(SetLayout.unsupported(mixed) != nil)
    let key = NFTSet(name: "k", keyType: [.counter])
    #expect(SetLayout.unsupported(key) != nil)
    #expect(SetLayout.unsupported(Self.serviceCounters) == nil)
  }

  @Test func counterMapLowersToObjrefAndLiftsBack() throws {
    let fields: [Field] = [.daddr(.v4), .l4proto, .thDport]
    let lowering = RuleLowering(family: .ip, sets: ["service-counters": Self.serviceCounters])
    let rule = Rule([.counterMap(fields, map: "service-counters"), .verdict(.accept)])
    let regs = try lowering.lower(rule)
    // nft 1.0.6: `[ payload load 4b @ network header + 16 => reg 1 ] [ meta load l4proto => reg 9 ]
    // [ payload load 2b @ transport header + 2 => reg 10 ] [ objref sreg 1 set service-counters ]`.
    #expect(
      regs == [
        .payload(base: .network, offset: 16, length: 4, dreg: Kernel.reg1),
        .metaLoad(key: Kernel.metaL4proto, dreg: 9),
        .payload(base: .transport, offset: 2, length: 2, dreg: 10),
        .objrefMap(sreg: Kernel.reg1, set: "service-counters", setID: nil),
        .immediateVerdict(code: Kernel.verdictAccept, chain: nil),
      ])
    #expect(RuleLifting(family: .ip).lift(regs) == rule.exprs)
  }

  @Test func counterMapNeedsACounterMap() {
    let lowering = RuleLowering(family: .ip, sets: ["v": NFTSet(name: "v", keyType: [.inetProto], dataType: [.verdict])])
    #expect(throws: LoweringError.unknownSet("nowhere")) { try lowering.lower(Rule([.counterMap([.l4proto], map: "nowhere")])) }
    #expect(throws: LoweringError.self) { try lowering.lower(Rule([.counterMap([.l4proto], map: "v")])) }
  }

  /// In one batch, the rule names the map by its NFTA_SET_ID too (as nft does); counters are
  /// NFT_MSG_NEWOBJ / NFT_MSG_DELOBJ messages named by their command.
  @Test func encoderSendsSetIDAndObjects() throws {
    let t = TableRef(family: .ip, name: "t")
    var tx = Transaction()
    tx.add(.addTable(t, comment: nil))
    tx.add(.addCounter(t, CounterObject(name: "c-a", comment: "ns/a:http")))
    tx.add(.addSet(t, NFTSet(name: "other", keyType: [.inetProto])))
    tx.add(.addSet(t, Self.serviceCounters))
    tx.add(.addChain(t, Chain(name: "c")))
    tx.add(.addRule(t, chain: "c", Rule([.counterMap([.daddr(.v4), .l4proto, .thDport], map: "service-counters")])))
    tx.add(.deleteCounter(t, counter: "old"))
    var encoder = TransactionEncoder(sets: [:])
    let batch = try encoder.encode(tx, seq: 1)
    #expect(encoder.setIDs[t] == ["other": 1, "service-counters": 2])
    #expect(Array(batch.operations)[1] == "add counter c-a in table ip t")
    #expect(Array(batch.operations).last == "delete counter old in table ip t")
    // NFT_MSG_NEWOBJ (18) and NFT_MSG_DELOBJ (20) of subsystem NFNL_SUBSYS_NFTABLES (10).
    let bytes = batch.bytes
    let types = Self.messageTypes(bytes)
    #expect(types.filter { $0 == 10 << 8 | 18 }.count == 1)
    #expect(types.filter { $0 == 10 << 8 | 20 }.count == 1)
    // The objref expression carries NFTA_OBJREF_SET_ID (5) = 2, the counter map's.
    let name = Array("objref".utf8) + [0]
    let at = try #require((0...(bytes.count - name.count)).first { Array(bytes[$0..<($0 + name.count)]) == name })
    let rest = Array(bytes[at...])
    let setID: [UInt8] = [8, 0, 5, 0, 0, 0, 0, 2]
    #expect((0...(rest.count - setID.count)).contains { Array(rest[$0..<($0 + setID.count)]) == setID })
  }

  /// The nlmsg types of a batch.
  static func messageTypes(_ bytes: [UInt8]) -> [UInt16] {
    var out: [UInt16] = []
    var i = 0
    while i + 16 <= bytes.count {
      let len = Int(bytes[i]) | Int(bytes[i + 1]) << 8 | Int(bytes[i + 2]) << 16 | Int(bytes[i + 3]) << 24
      out.append(UInt16(bytes[i + 4]) | UInt16(bytes[i + 5]) << 8)
      guard len >= 16 else { break }
      i += (len + 3) & ~3
    }
    return out
  }
}

// `typeof` sets, maps with concatenated data and `dnat ip to … map` encode exactly as nft 1.0.6
// sends them (attributes and user data from `nft --debug=mnl`, registers from
// `nft --debug=netlink`), and decode back, without a kernel.
import NFTables
import NetAddress
import Testing

@testable import NFTNetlink

/// Bytes written as nft's debug output shows them (`00 04 0d 00 ...`).
func hex(_ s: String) -> [UInt8] { s.split(separator: " ").map { UInt8($0, radix: 16)! } }

struct SetLayoutCase: Sendable, CustomStringConvertible {
  var set: NFTSet
  var keyTypeID: UInt32
  var keyLength: UInt32
  var flags: UInt32
  var dataType: UInt32?
  var dataLength: UInt32?
  var concat: [UInt32]?
  var userData: String
  var description: String { "\(set.name): \(set.typeof.map { "\($0.key)" } ?? "\(set.keyType)")" }
}

@Suite struct TypeofLayoutTests {
  static let ipPayload = "00 14 00 04 07 00 00 00 01 0c 00 04 0c 00 00 00 01 04 0c 00 00 00"
  static let ip6Payload = "00 14 00 04 07 00 00 00 01 0c 00 04 0d 00 00 00 01 04 09 00 00 00"
  static let thDport = "01 14 00 04 07 00 00 00 01 0c 00 04 0b 00 00 00 01 04 02 00 00 00"
  static let l4proto = "00 04 09 00 00 00 01 06 00 04 10 00 00 00"
  static let numgenMod1 = "00 04 17 00 00 00 01 12 00 04 01 00 00 00 01 04 01 00 00 00 02 04 00 00 00 00"

  static let cases: [SetLayoutCase] = [
    SetLayoutCase(
      set: DnatMaps.before.tables[0].sets[0].header, keyTypeID: 0x1c_c344, keyLength: 16, flags: 0x8, dataType: 0x1cd, dataLength: 8,
      userData: "00 04 00 00 00 00 01 04 00 00 00 00 03 60 00 04 0d 00 00 00 01 58 \(ipPayload) 01 0e \(l4proto) 02 14"
        + " 00 04 07 00 00 00 01 0c 00 04 0b 00 00 00 01 04 02 00 00 00 03 1a \(numgenMod1)"
        + " 04 34 00 04 0d 00 00 00 01 2c \(ipPayload) \(thDport) 06 04 00 00 00 00 07 10"
        + " 65 6e 64 70 6f 69 6e 74 20 63 68 6f 69 63 65 00"),
    SetLayoutCase(
      set: DnatMaps.before.tables[1].sets[0].header, keyTypeID: 0x20_c344, keyLength: 28, flags: 0x8, dataType: 0x20d, dataLength: 20,
      userData: "00 04 00 00 00 00 01 04 00 00 00 00 03 60 00 04 0d 00 00 00 01 58 \(ip6Payload) 01 0e \(l4proto) 02 14"
        + " 00 04 07 00 00 00 01 0c 00 04 0b 00 00 00 01 04 02 00 00 00 03 1a \(numgenMod1)"
        + " 04 34 00 04 0d 00 00 00 01 2c \(ip6Payload) \(thDport) 06 04 00 00 00 00 07 10"
        + " 65 6e 64 70 6f 69 6e 74 20 63 68 6f 69 63 65 00"),
    SetLayoutCase(
      set: DnatMaps.before.tables[1].sets[1].header, keyTypeID: 0xc344, keyLength: 12, flags: 0x8, dataType: 0x20d, dataLength: 20,
      userData: "00 04 00 00 00 00 01 04 00 00 00 00 03 4a 00 04 0d 00 00 00 01 42 00 0e \(l4proto) \(thDport)"
        + " 02 1a \(numgenMod1) 04 34 00 04 0d 00 00 00 01 2c \(ip6Payload) \(thDport) 06 04 00 00 00 00"),
    // typeof meta l4proto . th dport . numgen random mod 1 : ip daddr . th dport; flags interval
    SetLayoutCase(
      set: NFTSet(
        name: "w", keyType: [.inetProto, .inetService, .integer], dataType: [.ipv4Addr, .inetService],
        typeof: SetTypeof(key: [.l4proto, .thDport, .numgenRandom(mod: 1)], data: [.daddr(.v4), .thDport]), flags: .interval),
      keyTypeID: 0xc344, keyLength: 12, flags: 0x8c, dataType: 0x1cd, dataLength: 8, concat: [1, 2, 4],
      userData: "00 04 00 00 00 00 01 04 00 00 00 00 03 4a 00 04 0d 00 00 00 01 42 00 0e \(l4proto) \(thDport)"
        + " 02 1a \(numgenMod1) 04 34 00 04 0d 00 00 00 01 2c \(ipPayload) \(thDport) 06 04 00 00 00 00"),
    // typeof ip saddr . tcp dport . udp dport . sctp dport
    SetLayoutCase(
      set: NFTSet(
        name: "a", keyType: [.ipv4Addr, .inetService, .inetService, .inetService],
        typeof: SetTypeof(key: [.saddr(.v4), .dport(.tcp), .dport(.udp), .dport(.sctp)])),
      keyTypeID: 0x1c_d34d, keyLength: 16, flags: 0,
      userData: "00 04 00 00 00 00 03 60 00 04 0d 00 00 00 01 58 00 14 00 04 07 00 00 00 01 0c 00 04 0c 00 00 00 01 04 0b 00 00 00"
        + " 01 14 00 04 07 00 00 00 01 0c 00 04 08 00 00 00 01 04 02 00 00 00 02 14 00 04 07 00 00 00 01 0c 00 04 06 00 00 00"
        + " 01 04 02 00 00 00 03 14 00 04 07 00 00 00 01 0c 00 04 0a 00 00 00 01 04 02 00 00 00"),
    // typeof ip6 saddr . ip6 daddr
    SetLayoutCase(
      set: NFTSet(name: "a6", keyType: [.ipv6Addr, .ipv6Addr], typeof: SetTypeof(key: [.saddr(.v6), .daddr(.v6)])),
      keyTypeID: 0x208, keyLength: 32, flags: 0,
      userData: "00 04 00 00 00 00 03 34 00 04 0d 00 00 00 01 2c 00 14 00 04 07 00 00 00 01 0c 00 04 0d 00 00 00 01 04 08 00 00 00"
        + " 01 14 00 04 07 00 00 00 01 0c 00 04 0d 00 00 00 01 04 09 00 00 00"),
    // typeof meta l4proto (host byte order, unlike `type inet_proto`)
    SetLayoutCase(
      set: NFTSet(name: "i", keyType: [.inetProto], typeof: SetTypeof(key: [.l4proto])), keyTypeID: 12, keyLength: 1, flags: 0,
      userData: "00 04 01 00 00 00 03 0e \(l4proto)"),
    // typeof numgen random mod 4
    SetLayoutCase(
      set: NFTSet(name: "f", keyType: [.integer], typeof: SetTypeof(key: [.numgenRandom(mod: 4)])), keyTypeID: 4, keyLength: 4, flags: 0,
      userData: "00 04 01 00 00 00 03 1a 00 04 17 00 00 00 01 12 00 04 01 00 00 00 01 04 04 00 00 00 02 04 00 00 00 00"),
    // typeof ip daddr : meta mark
    SetLayoutCase(
      set: NFTSet(name: "k", keyType: [.ipv4Addr], dataType: [.mark], typeof: SetTypeof(key: [.daddr(.v4)], data: [.mark])),
      keyTypeID: 7, keyLength: 4, flags: 0x8, dataType: 0x13, dataLength: 4,
      userData: "00 04 02 00 00 00 01 04 01 00 00 00 03 14 \(ipPayload.dropFirst(6)) 04 0e 00 04 09 00 00 00 01 06 00 04 03 00 00 00"
        + " 06 04 00 00 00 00"),
    // typeof ip daddr . th dport : verdict
    SetLayoutCase(
      set: NFTSet(name: "m", keyType: [.ipv4Addr, .inetService], dataType: [.verdict], typeof: SetTypeof(key: [.daddr(.v4), .thDport])),
      keyTypeID: 0x1cd, keyLength: 8, flags: 0x8, dataType: 0xffff_ff00, dataLength: 0,
      userData: "00 04 00 00 00 00 01 04 00 00 00 00 03 34 00 04 0d 00 00 00 01 2c \(ipPayload) \(thDport)"
        + " 04 08 00 04 01 00 00 00 01 00 06 04 00 00 00 00"),
    // type ipv4_addr . inet_proto : ipv4_addr . inet_service
    SetLayoutCase(
      set: NFTSet(name: "y", keyType: [.ipv4Addr, .inetProto], dataType: [.ipv4Addr, .inetService]), keyTypeID: 0x1cc, keyLength: 8,
      flags: 0x8, dataType: 0x1cd, dataLength: 8,
      userData: "00 04 00 00 00 00 01 04 00 00 00 00 03 08 00 04 0d 00 00 00 01 00 04 08 00 04 0d 00 00 00 01 00 06 04 00 00 00 00"),
    // type ipv4_addr : inet_service
    SetLayoutCase(
      set: NFTSet(name: "z", keyType: [.ipv4Addr], dataType: [.inetService]), keyTypeID: 7, keyLength: 4, flags: 0x8, dataType: 13,
      dataLength: 2, userData: "00 04 02 00 00 00 01 04 02 00 00 00 06 04 00 00 00 00"),
  ]

  @Test(arguments: cases)
  func setLikeNft(c: SetLayoutCase) {
    let l = SetLayout(c.set)
    #expect(l.keyTypeID == c.keyTypeID)
    #expect(l.keyLength == c.keyLength)
    #expect(l.kernelFlags == c.flags)
    #expect(l.dataType == c.dataType)
    #expect(l.dataLength == c.dataLength)
    #expect(l.concatFieldLengths == c.concat)
    #expect(l.userData.bytes == hex(c.userData), "\(l.userData.bytes.map { String($0, radix: 16) })")
    // The user data gives the declaration back.
    #expect(SetLayout.typeof(l.userData, of: c.set) == .some(c.set.typeof))
  }

  /// ct and fib expressions, which no set of kproxy's types holds, as nft records them.
  @Test func typeofNestsOfEveryField() {
    let nests: [(Field, String)] = [
      (.ctState, "00 04 0c 00 00 00 01 0c 00 04 00 00 00 00 01 04 ff ff ff ff"),
      (.ctStatus, "00 04 0c 00 00 00 01 0c 00 04 02 00 00 00 01 04 ff ff ff ff"),
      (.fibDaddrType, "00 04 1a 00 00 00 01 0c 00 04 03 00 00 00 01 04 02 00 00 00"),
      (.fibSaddrType, "00 04 1a 00 00 00 01 0c 00 04 03 00 00 00 01 04 01 00 00 00"),
      (.mark, "00 04 09 00 00 00 01 06 00 04 03 00 00 00"),
    ]
    for (f, bytes) in nests {
      #expect(TypeofUserData.encode([f]).bytes == hex(bytes), "\(f)")
    }
    let every: [Field] = [
      .saddr(.v4), .daddr(.v4), .saddr(.v6), .daddr(.v6), .l4proto, .thDport, .dport(.tcp), .dport(.udp), .dport(.sctp), .mark,
      .numgenRandom(mod: 7), .fibSaddrType, .fibDaddrType, .ctState, .ctStatus,
    ]
    for f in every {
      #expect(TypeofUserData.decode(TypeofUserData.encode([f]).bytes[...]) == .fields([f]))
    }
    let nine = Array(every.prefix(9))
    #expect(TypeofUserData.decode(TypeofUserData.encode(nine).bytes[...]) == .fields(nine))
    // All fifteen do not fit one user data TLV (nor does nft's set declaration take them).
    #expect(!TypeofUserData.encode(every).isValid)
    #expect(TypeofUserData.decode(TypeofUserData.typeConcatenation.bytes[...]) == .typeConcatenation)
    #expect(TypeofUserData.decode(TypeofUserData.verdict.bytes[...]) == .verdict)
    // Anything else is not decoded: a truncated nest, an unknown payload field, a numgen with an offset.
    #expect(TypeofUserData.decode(TypeofUserData.encode([.daddr(.v4)]).bytes.dropLast()) == nil)
    #expect(TypeofUserData.decode(hex("00 04 07 00 00 00 01 0c 00 04 0c 00 00 00 01 04 0a 00 00 00")[...]) == nil)
    #expect(
      TypeofUserData.decode(hex("00 04 17 00 00 00 01 12 00 04 01 00 00 00 01 04 01 00 00 00 02 04 01 00 00 00")[...]) == nil)
  }

  @Test func elementsLikeNft() throws {
    // ip: 172.16.0.1 . tcp . 80 . 1 : 10.0.0.4 . 8081; ip6: fd00::1 . tcp . 80 . 0 : fd00::3 . 8080
    let set4 = DnatMaps.before.tables[0].sets[0]
    let e4 = Element(
      [.address(IPAddress("172.16.0.1")!), .proto(.tcp), .port(80), .integer(1)],
      data: .values([.address(IPAddress("10.0.0.4")!), .port(8081)]))
    let l4 = try ElementLayout(e4, of: set4)
    #expect(l4.key == hex("ac 10 00 01 06 00 00 00 00 50 00 00 01 00 00 00"))
    #expect(l4.data == hex("0a 00 00 04 1f 91 00 00"))
    let set6 = DnatMaps.before.tables[1].sets[0]
    let e6 = Element(
      [.address(IPAddress("fd00::1")!), .proto(.tcp), .port(80), .integer(0)],
      data: .values([.address(IPAddress("fd00::3")!), .port(8080)]))
    let l6 = try ElementLayout(e6, of: set6)
    #expect(l6.key == hex("fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 06 00 00 00 00 50 00 00 00 00 00 00"))
    #expect(l6.data == hex("fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 03 1f 90 00 00"))
    // Single-type data is not padded; data that does not fit the map is refused.
    let z = NFTSet(name: "z", keyType: [.ipv4Addr], dataType: [.inetService])
    #expect(try ElementLayout(Element([.address(IPAddress("10.0.0.1")!)], data: .values([.port(53)])), of: z).data == [0, 53])
    #expect(throws: LoweringError.self) { try ElementLayout(Element(e4.key, data: .values([.port(1)])), of: set4) }
    #expect(throws: LoweringError.self) { try ElementLayout(Element(e4.key, data: .verdict(.accept)), of: set4) }
    #expect(throws: LoweringError.self) {
      try ElementLayout(Element(e4.key, data: .values([.prefix(IPPrefix("10.0.0.0/8")!), .port(1)])), of: set4)
    }
  }

  @Test(arguments: [TableFamily.ip, .ip6])
  func dnatMapRegistersLikeNft(family: TableFamily) throws {
    let t = DnatMaps.before.tables[family == .ip ? 0 : 1]
    let v: IPVersion = family == .ip ? .v4 : .v6
    let lowering = RuleLowering(family: family, sets: Dictionary(uniqueKeysWithValues: t.sets.map { ($0.name, $0.header) }))
    let pick = try #require(t.chains.first { $0.name == "pick" })
    // ip daddr . meta l4proto . th dport @endpoints-3 dnat ip to ip daddr . meta l4proto . th dport . numgen random mod 3 map @endpoints
    let service = try lowering.lower(pick.rules[4])
    let daddr = RegisterExpr.payload(base: .network, offset: v == .v4 ? 16 : 24, length: v == .v4 ? 4 : 16, dreg: 1)
    let (l4Reg, portReg, numgenReg): (UInt32, UInt32, UInt32) = v == .v4 ? (9, 10, 11) : (2, 13, 14)
    let key: [RegisterExpr] = [
      daddr, .metaLoad(key: 16, dreg: l4Reg), .payload(base: .transport, offset: 2, length: 2, dreg: portReg),
    ]
    let nat = RegisterExpr.nat(type: 1, family: v == .v4 ? 2 : 10, addrReg: 1, protoReg: v == .v4 ? 9 : 2, flags: nil)
    #expect(
      service
        == key + [.lookup(sreg: 1, set: "endpoints-3", dreg: nil, flags: 0)] + key + [
          .numgenRandom(modulus: 3, dreg: numgenReg), .lookup(sreg: 1, set: "endpoints", dreg: 1, flags: 0), nat,
        ])
    // meta l4proto . th dport @nodeport-endpoints-3 dnat ip to meta l4proto . th dport . numgen random mod 3 map @nodeport-endpoints
    let nodePort = try lowering.lower(pick.rules[5])
    let npKey: [RegisterExpr] = [.metaLoad(key: 16, dreg: 1), .payload(base: .transport, offset: 2, length: 2, dreg: 9)]
    #expect(
      nodePort
        == npKey + [.lookup(sreg: 1, set: "nodeport-endpoints-3", dreg: nil, flags: 0)] + npKey + [
          .numgenRandom(modulus: 3, dreg: 10), .lookup(sreg: 1, set: "nodeport-endpoints", dreg: 1, flags: 0), nat,
        ])
    // Lifting gives the rules back, from the lowered form and from the kernel's (flags 0x3).
    let lifting = RuleLifting(family: family)
    #expect(lifting.lift(service) == pick.rules[4].exprs)
    let dumped =
      service.dropLast() + [RegisterExpr.nat(type: 1, family: v == .v4 ? 2 : 10, addrReg: 1, protoReg: v == .v4 ? 9 : 2, flags: 3)]
    #expect(lifting.lift(Array(dumped)) == pick.rules[4].exprs)
    #expect(lifting.lift(nodePort) == pick.rules[5].exprs)
    // The port register must follow the address.
    let wrong = service.dropLast() + [RegisterExpr.nat(type: 1, family: v == .v4 ? 2 : 10, addrReg: 1, protoReg: 3, flags: 3)]
    #expect(lifting.lift(Array(wrong)) == nil)
  }

  @Test func dnatMapLoweringErrors() {
    let t = DnatMaps.before.tables[0]
    let sets = Dictionary(uniqueKeysWithValues: t.sets.map { ($0.name, $0.header) })
    let wrongVersion = Rule([.dnatMap([.daddr(.v6), .numgenRandom(mod: 2)], map: "endpoints", version: .v6)])
    #expect(throws: LoweringError.self) { try RuleLowering(family: .ip, sets: sets).lower(wrongVersion) }
    let notAnEndpointMap = Rule([.dnatMap([.daddr(.v4), .l4proto, .thDport], map: "endpoints-3", version: .v4)])
    #expect(throws: LoweringError.self) { try RuleLowering(family: .ip, sets: sets).lower(notAnEndpointMap) }
    let missing = Rule([.dnatMap([.daddr(.v4)], map: "nope", version: .v4)])
    #expect(throws: LoweringError.unknownSet("nope")) { try RuleLowering(family: .ip, sets: sets).lower(missing) }
  }

  @Test func typeofTooLongForUserDataIsNamed() throws {
    let fields = Array(repeating: [Field.saddr(.v6), .daddr(.v6)], count: 6).flatMap { $0 }
    let set = NFTSet(name: "wide", keyType: fields.map { _ in .ipv6Addr }, typeof: SetTypeof(key: fields))
    var tx = Transaction()
    tx.add(.addTable(TableRef(family: .ip6, name: "t"), comment: nil))
    tx.add(.addSet(TableRef(family: .ip6, name: "t"), set))
    var encoder = TransactionEncoder(sets: [:])
    #expect(
      throws: NetlinkError.lowering(
        operation: "add set wide in table ip6 t", reason: LoweringError.userDataTooLong(set: "wide").description)
    ) { try encoder.encode(tx, seq: 1) }
  }
}

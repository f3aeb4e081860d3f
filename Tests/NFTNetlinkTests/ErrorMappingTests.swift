// Error texts, errno names, namespace naming and lowering errors, checked without a kernel
// (the kernel side of error mapping is in AtomicityTests).
import Foundation
import NFTables
import NetAddress
import Testing

@testable import NFTNetlink

@Suite struct ErrorMappingTests {
  @Test func rejectedNamesOperationAndErrno() {
    let e = NetlinkError.rejected(operation: "add rule to chain service-X in table ip kproxy", errno: ENOENT)
    #expect(e.description == "netlink: add rule to chain service-X in table ip kproxy: No such file or directory (ENOENT)")
    #expect(e.errno == ENOENT)
  }

  @Test func errnoNames() {
    #expect(NetlinkError.describe(errno: EPERM) == "Operation not permitted (EPERM)")
    #expect(NetlinkError.describe(errno: EEXIST) == "File exists (EEXIST)")
    #expect(NetlinkError.describe(errno: EOPNOTSUPP) == "Operation not supported (EOPNOTSUPP)")
    #expect(NetlinkError.describe(errno: 4095).hasSuffix("(errno 4095)"))
  }

  @Test func namespaceAndLoweringTexts() {
    #expect(
      NetlinkError.namespace(path: "/run/netns/x", errno: ENOENT).description
        == "network namespace /run/netns/x: No such file or directory (ENOENT)")
    #expect(
      NetlinkError.lowering(operation: "add rule to chain c in table ip t", reason: "why").description
        == "netlink: add rule to chain c in table ip t: why")
  }

  @Test func namespaceNameOrPath() {
    #expect(NetworkNamespace("test1").path == "/run/netns/test1")
    #expect(NetworkNamespace("/proc/1/ns/net").path == "/proc/1/ns/net")
  }

  @Test func loweringErrors() throws {
    let lowering = RuleLowering(family: .ip, sets: [:])
    #expect(throws: LoweringError.unknownSet("s")) { try lowering.lower(Rule([.vmap([.l4proto], map: "s")])) }
    #expect(throws: LoweringError.self) { try lowering.lower(Rule([.cmp(.saddr(.v4), .eq, .address(.v6(.init(high: 0, low: 1))))])) }
  }
}

/// Sequence numbers map back to the command that produced each message, also when one
/// command (a long element list) became several messages.
@Suite struct AckMappingTests {
  static func batch() throws -> EncodedBatch {
    let t = TableRef(family: .ip, name: "t")
    let set = NFTSet(name: "s", keyType: [.ipv4Addr])
    var tx = Transaction()
    tx.add(.addTable(t, comment: nil))
    tx.add(.addSet(t, set))
    tx.add(.addElements(t, set: set, (0..<5000).map { Element([.address(.v4(IPv4Address(UInt32($0))))]) }))
    tx.add(.addChain(t, Chain(name: "c")))
    var encoder = TransactionEncoder(sets: [:])
    return try encoder.encode(tx, seq: 100)
  }

  @Test func elementListsSplitKeepTheirCommand() throws {
    let b = try Self.batch()
    #expect(b.operations.count > 4)
    #expect(b.operations.first == "add table ip t")
    #expect(b.operations.last == "add chain c in table ip t")
    #expect(b.operations.dropFirst(2).dropLast().allSatisfy { $0 == "add elements to set s in table ip t" })
    #expect(b.index(ofSeq: 100) == nil)  // batch begin
    #expect(b.index(ofSeq: 101) == 0)
  }

  @Test func firstFailedCommandIsReported() throws {
    let b = try Self.batch()
    var t = AckTracker(batch: b)
    let last = UInt32(100 + b.operations.count)
    t.record(seq: last, errno: ENOENT)
    for s in 101..<last { t.record(seq: s, errno: 0) }
    t.record(seq: 103, errno: EEXIST)
    #expect(t.isComplete)
    #expect(throws: NetlinkError.rejected(operation: "add elements to set s in table ip t", errno: EEXIST)) { try t.check() }
  }

  @Test func missingAckAndBatchErrors() throws {
    let b = try Self.batch()
    var t = AckTracker(batch: b)
    t.record(seq: 101, errno: 0)
    #expect(!t.isComplete)
    #expect(throws: NetlinkError.self) { try t.check() }
    var refused = AckTracker(batch: b)
    refused.record(seq: 100, errno: EPERM)
    #expect(refused.isComplete)
    #expect(throws: NetlinkError.rejected(operation: "apply transaction", errno: EPERM)) { try refused.check() }
    var ok = AckTracker(batch: b)
    for s in 101...UInt32(100 + b.operations.count) { ok.record(seq: s, errno: 0) }
    try ok.check()
  }
}

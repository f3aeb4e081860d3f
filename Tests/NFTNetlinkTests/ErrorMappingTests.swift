// Error texts and the mapping from sequence numbers back to commands (no kernel needed).
import Foundation
import NFTables
import NFTNetlink
import Testing

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
    #expect(NetlinkError.namespace(path: "/run/netns/x", errno: ENOENT).description == "network namespace /run/netns/x: No such file or directory (ENOENT)")
    #expect(NetlinkError.lowering(operation: "add rule to chain c in table ip t", reason: "why").description == "netlink: add rule to chain c in table ip t: why")
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

// A one-shot sync with sets bigger than the read-back limit: their elements are not dumped but
// flushed and written again in the same transaction, so tampering is still repaired (netlink backend).
import Dataplane
import Foundation
import KernelTestSupport
import NFTNetlink
import NFTables
import Testing

@Suite(.kernelTests) struct ElementLimitSyncTests {
  @Test func bigSetsAreRewrittenAndTamperingIsRepaired() throws {
    let ns = try ScratchNetns.make("elemlimit")
    let reference = try ScratchNetns.make("elemlimit-ref")
    let desired = sampleRuleset(endpoints: 5)
    // The limit is below the map's 5 elements: the map is never dumped.
    let sync = Synchronizer(backend: try NetlinkBackend(namespace: ns.namespace), elementLimit: 3)
    _ = try sync.sync(to: desired, full: false)
    try reference.load(desired.renderScript())
    let expected = try reference.nft("list", "ruleset")
    #expect(try ns.nft("list", "ruleset") == expected)
    // Unread, the map cannot be compared: it is flushed and refilled, leaving the listing unchanged.
    #expect(try sync.sync(to: desired, full: false).mode == .incremental)
    #expect(try ns.nft("list", "ruleset") == expected)
    // Someone deletes an element and adds a foreign one.
    try ns.nft("delete", "element", "ip", "kproxy", "service-ips", "{ 10.96.0.1 . tcp . 80 }")
    try ns.nft("add", "element", "ip", "kproxy", "service-ips", "{ 10.96.9.9 . tcp . 80 : goto svc }")
    let repair = try sync.sync(to: desired, full: false)
    #expect(repair.mode == .incremental)
    #expect(try ns.nft("list", "ruleset") == expected)
    // With the default limit the same tables read back completely and nothing differs.
    #expect(try Synchronizer(backend: try NetlinkBackend(namespace: ns.namespace)).sync(to: desired, full: false).mode == .unchanged)
  }
}

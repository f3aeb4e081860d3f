// Backend errors mapped to the dataplane's words (what the CLI prints), and the Synchronizer's
// handling of each read-back failure: foreign object and parse failure replace, a concurrent
// change reads again, an encoding overflow is an error with no replace.
import Dataplane
import Foundation
import NFTNetlink
import NFTables
import Testing

@Suite struct DataplaneErrorTests {
  @Test(arguments: [
    (NetlinkError.namespace(path: "/run/netns/x", errno: ENOENT), "network namespace /run/netns/x not found"),
    (
      NetlinkError.namespace(path: "/run/netns/x", errno: EPERM),
      "network namespace /run/netns/x: Operation not permitted (EPERM) — entering a network namespace needs root (CAP_SYS_ADMIN)"
    ),
    (
      NetlinkError.rejected(operation: "apply transaction", errno: EPERM),
      "netlink: apply transaction: Operation not permitted (EPERM) — nftables needs root (CAP_NET_ADMIN)"
    ),
    (
      NetlinkError.system(operation: "open netlink socket", errno: EPROTONOSUPPORT),
      "netlink: open netlink socket: Protocol not supported (EPROTONOSUPPORT) — nf_tables is not available in this kernel (module nf_tables not loaded?)"
    ),
    (
      NetlinkError.encodingOverflow("message of 2000000 bytes exceeds the scratch page"),
      "netlink: message of 2000000 bytes exceeds the scratch page"
    ),
    (
      NetlinkError.rejected(operation: "add rule to chain c in table ip kproxy", errno: ENOENT),
      "netlink: add rule to chain c in table ip kproxy: No such file or directory (ENOENT)"
    ),
  ])
  func netlinkErrorsInWords(_ e: NetlinkError, _ expected: String) {
    #expect(DataplaneError(e).description == expected)
  }

  @Test func mappingTurnsBackendErrorsIntoDataplaneErrors() {
    #expect(throws: DataplaneError.netlink(.foreignObject("x"))) { try DataplaneError.mapping { throw NetlinkError.foreignObject("x") } }
    #expect(throws: DataplaneError.nft(NftCommandError(status: 1, stderr: "bad"))) {
      try DataplaneError.mapping { throw NftCommandError(status: 1, stderr: "bad") }
    }
  }

  /// A backend whose read-back fails as scripted, recording what it is asked to apply.
  final class ScriptedBackend: Backend {
    var readFailures: [NetlinkError]
    var applyFailure: NetlinkError?
    var reads = 0
    var applied: [Transaction] = []
    init(readFailures: [NetlinkError], applyFailure: NetlinkError? = nil) {
      self.readFailures = readFailures
      self.applyFailure = applyFailure
    }
    func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset {
      reads += 1
      if !readFailures.isEmpty { throw readFailures.removeFirst() }
      return Ruleset()
    }
    func apply(_ tx: Transaction, desired: Ruleset) throws {
      if let applyFailure { throw applyFailure }
      applied.append(tx)
    }
  }

  static let desired = sampleRuleset(endpoints: 2)
  static func isReplace(_ tx: Transaction) -> Bool { tx.commands.contains(.deleteTable(TableRef(family: .ip, name: "kproxy"))) }

  @Test(arguments: [NetlinkError.foreignObject("chain x in table ip kproxy is not one kproxy creates"), .unparsable("elements of set s")])
  func unreadableOrForeignTablesAreReplaced(_ e: NetlinkError) throws {
    let b = ScriptedBackend(readFailures: [e])
    let outcome = try Synchronizer(backend: b).sync(to: Self.desired, full: false)
    #expect(outcome.mode == .full)
    #expect(outcome.fallbackReason != nil)
    #expect(b.applied.count == 1 && Self.isReplace(b.applied[0]))
  }

  @Test func aConcurrentChangeReadsAgainInsteadOfReplacing() throws {
    let b = ScriptedBackend(readFailures: [.concurrentChange("the ruleset kept changing while it was read")])
    let outcome = try Synchronizer(backend: b).sync(to: Self.desired, full: false)
    #expect(b.reads == 2)
    #expect(outcome.mode == .incremental)
    #expect(outcome.fallbackReason == nil)
    #expect(!Self.isReplace(b.applied[0]))
  }

  @Test func aRulesetThatNeverSettlesIsAnErrorNotAReplace() {
    let busy = NetlinkError.concurrentChange("the ruleset kept changing while it was read")
    let b = ScriptedBackend(readFailures: Array(repeating: busy, count: Synchronizer.readAttempts))
    #expect(throws: busy) { try Synchronizer(backend: b).sync(to: Self.desired, full: false) }
    #expect(b.applied.isEmpty)
  }

  @Test func anEncodingOverflowIsAnErrorAndNothingIsReplaced() {
    let overflow = NetlinkError.encodingOverflow("message of 2000000 bytes exceeds the scratch page")
    let b = ScriptedBackend(readFailures: [], applyFailure: overflow)
    #expect(throws: overflow) { try Synchronizer(backend: b).sync(to: Self.desired, full: false) }
    #expect(b.reads == 1)
  }
}

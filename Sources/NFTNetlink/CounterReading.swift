// Counter objects read back from the kernel: one NFT_MSG_GETOBJ dump per table, filtered by
// type counter, with values and comments. For read-back and for `kproxy status` / `/metrics`.
import CNftnl
import NFTables

extension NetlinkClient {
  /// The counter objects of `table` with their current values and comments, in the kernel's
  /// order (creation order); empty when the table does not exist. One GETOBJ dump: no rules,
  /// no sets, no elements are read, so polling it is cheap. A dump the ruleset changed under
  /// is read again (up to 8 times).
  public func counters(table: TableRef) throws -> [CounterObject] {
    for _ in 0..<8 {
      do {
        return try dumpCounters(table)
      } catch DumpInterrupted.interrupted {
        continue
      }
    }
    throw NetlinkError.concurrentChange("the counters of table \(table) kept changing while they were read")
  }

  /// One GETOBJ dump of the counters of `ref` (the kernel filters by NFTA_OBJ_TABLE and
  /// NFTA_OBJ_TYPE); throws `DumpInterrupted` when the kernel flags the dump as interrupted.
  func dumpCounters(_ ref: TableRef) throws -> [CounterObject] {
    let filter = try NftnlObject(table: ref.name, name: nil)
    var out: [CounterObject] = []
    try request(
      type: NFT_MSG_GETOBJ, family: TransactionEncoder.family(ref.family), dump: true,
      build: { nlh in filter.withPointer { nftnl_obj_nlmsg_build_payload(nlh, $0) } }
    ) { nlh in
      let o = try NftnlObject()
      guard o.parse(nlh) else { throw NetlinkError.unparsable("an object of table \(ref)") }
      guard o.table == ref.name, let counter = o.counter else { return }
      out.append(counter)
    }
    return out
  }
}

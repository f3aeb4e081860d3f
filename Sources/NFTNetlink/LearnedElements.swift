// The elements rules added to a dynamic set (`update @set`: session affinity), read back with
// the time each has left, for `kproxy status` and the agent's /metrics.
import CNftnl
import NFTables

/// One element of a dynamic set as the kernel holds it.
public struct LearnedElement: Sendable, Hashable {
  /// Key components, typed as the set declares them (`10.0.0.1`, `10.0.0.1 . 8080`).
  public var key: [Value]
  /// Milliseconds until the kernel removes the element (NFTA_SET_ELEM_EXPIRATION); nil for an
  /// element that does not expire.
  public var expiresInMilliseconds: UInt64?

  public init(key: [Value], expiresInMilliseconds: UInt64?) {
    self.key = key
    self.expiresInMilliseconds = expiresInMilliseconds
  }
}

extension NetlinkClient {
  /// The elements of the set `set` of `table`, in the kernel's order: its declaration (one
  /// NFT_MSG_GETSET), then one element dump. Meant for dynamic sets (`flags dynamic,timeout`),
  /// whose elements rules add; works for any set kproxy declares except single-field interval
  /// sets (whose kernel elements are range ends, not keys). A missing table or set is the
  /// kernel's ENOENT, named `read set S in table T`.
  public func learnedElements(table: TableRef, set name: String) throws -> [LearnedElement] {
    for _ in 0..<8 {
      do {
        return try readLearnedElements(table: table, set: name)
      } catch DumpInterrupted.interrupted {
        continue
      }
    }
    throw NetlinkError.concurrentChange("set \(name) in table \(table) kept changing while it was read")
  }

  func readLearnedElements(table ref: TableRef, set name: String) throws -> [LearnedElement] {
    let family = TransactionEncoder.family(ref.family)
    let query = try NftnlSet(table: ref.name, name: name)
    var header: NFTSet? = nil
    do {
      try request(
        type: NFT_MSG_GETSET, family: family, dump: false,
        build: { nlh in query.withPointer { nftnl_set_nlmsg_build_payload(nlh, $0) } }
      ) { nlh in
        let s = try NftnlSet()
        guard s.parse(nlh), s.table == ref.name, s.name == name else { return }
        guard let h = s.header else { throw NetlinkError.foreignObject("set \(name) in table \(ref) is not one kproxy creates") }
        header = h
      }
    } catch NetlinkError.rejected(_, let errno) {
      throw NetlinkError.rejected(operation: "read set \(name) in table \(ref)", errno: errno)
    }
    guard let header else { throw NetlinkError.unparsable("the declaration of set \(name) in table \(ref)") }
    let interval = header.flags.contains(.interval)
    let concat = header.keyType.count > 1
    if interval && !concat {
      throw NetlinkError.foreignObject("set \(name) in table \(ref) holds ranges, not learned keys")
    }
    let list = try NftnlElementList(table: ref.name, set: name)
    try request(
      type: NFT_MSG_GETSETELEM, family: family, dump: true,
      build: { nlh in list.withPointer { nftnl_set_elems_nlmsg_build_payload(nlh, $0) } }
    ) { nlh in
      guard list.parse(nlh) else { throw NetlinkError.unparsable("elements of set \(name) in table \(ref)") }
    }
    return try list.elements.map { d in
      guard let key = ElementLifting.key(d.key, end: d.keyEnd, types: header.keyType, concat: concat, interval: interval) else {
        throw NetlinkError.foreignObject("an element of set \(name) in table \(ref) does not decode as \(header.keyType)")
      }
      return LearnedElement(key: key, expiresInMilliseconds: d.expiration)
    }
  }
}

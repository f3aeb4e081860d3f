// Set dumps of one table, and the raw attributes of kproxy's set declarations as the kernel
// stores them (flags, key/data types and lengths, object type, size, timeout, user data): for nft parity.
import CNftnl
import NFTables

extension NetlinkClient {
  /// For each set of `table`, its declaration attributes by libnftnl attribute name.
  func setDeclarations(table ref: TableRef) throws -> [String: [String: [UInt8]]] {
    var out: [String: [String: [UInt8]]] = [:]
    try forEachSet(in: ref) { s in out[s.name] = s.rawAttributes }
    return out
  }

  /// Dumps the sets of `ref` (NFT_MSG_GETSET filtered by table) and calls `body` with each.
  func forEachSet(in ref: TableRef, _ body: (NftnlSet) throws -> Void) throws {
    let filter = try NftnlSet(table: ref.name, name: "")
    try request(
      type: NFT_MSG_GETSET, family: TransactionEncoder.family(ref.family), dump: true,
      build: { nlh in
        filter.withPointer { p in
          nftnl_set_unset(p, UInt16(NFTNL_SET_NAME.rawValue))
          nftnl_set_nlmsg_build_payload(nlh, p)
        }
      }
    ) { nlh in
      let s = try NftnlSet()
      guard s.parse(nlh), s.table == ref.name else { return }
      try body(s)
    }
  }
}

extension NftnlSet {
  /// The declaration attributes that are set, as bytes.
  var rawAttributes: [String: [UInt8]] {
    let names: [(nftnl_set_attr, String)] = [
      (NFTNL_SET_FLAGS, "flags"), (NFTNL_SET_KEY_TYPE, "key_type"), (NFTNL_SET_KEY_LEN, "key_len"),
      (NFTNL_SET_DATA_TYPE, "data_type"), (NFTNL_SET_DATA_LEN, "data_len"), (NFTNL_SET_POLICY, "policy"),
      (NFTNL_SET_DESC_SIZE, "desc_size"), (NFTNL_SET_TIMEOUT, "timeout"), (NFTNL_SET_GC_INTERVAL, "gc_interval"),
      (NFTNL_SET_USERDATA, "userdata"), (NFTNL_SET_DESC_CONCAT, "desc_concat"), (NFTNL_SET_OBJ_TYPE, "obj_type"),
    ]
    var out: [String: [UInt8]] = [:]
    withPointer { p in
      for (attr, name) in names where nftnl_set_is_set(p, UInt16(attr.rawValue)) {
        var len: UInt32 = 0
        guard let d = nftnl_set_get_data(p, UInt16(attr.rawValue), &len) else { continue }
        out[name] = Array(UnsafeRawBufferPointer(start: d, count: Int(len)))
      }
    }
    return out
  }
}

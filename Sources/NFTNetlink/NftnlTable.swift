// One libnftnl table (`struct nftnl_table`): built for `add table` / `delete table`, or
// parsed from a NFT_MSG_NEWTABLE dump message.
import CNftnl

/// The corresponding libnftnl calls are `nftnl_table_alloc` / `nftnl_table_free`.
final class NftnlTable {
  private let pointer: OpaquePointer

  init() throws {
    guard let p = nftnl_table_alloc() else { throw NetlinkError.outOfMemory(what: "table") }
    pointer = p
  }

  deinit { nftnl_table_free(pointer) }

  /// A table for a command: its name, flags 0 (as nft sends) and an optional comment.
  convenience init(name: String, comment: String?, withFlags: Bool) throws {
    try self.init()
    _ = nftnl_table_set_str(pointer, UInt16(NFTNL_TABLE_NAME.rawValue), name)
    if withFlags { nftnl_table_set_u32(pointer, UInt16(NFTNL_TABLE_FLAGS.rawValue), 0) }
    if let u = UserData.comment(comment) {
      u.bytes.withUnsafeBytes { _ = nftnl_table_set_data(pointer, UInt16(NFTNL_TABLE_USERDATA.rawValue), $0.baseAddress, UInt32($0.count)) }
    }
  }

  /// Lends the pointer for the duration of `body`.
  func withPointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(pointer) }

  /// The corresponding libnftnl call is `nftnl_table_nlmsg_parse`.
  func parse(_ nlh: UnsafePointer<nlmsghdr>) -> Bool { nftnl_table_nlmsg_parse(nlh, pointer) >= 0 }

  var name: String { nftnl_table_get_str(pointer, UInt16(NFTNL_TABLE_NAME.rawValue)).map { String(cString: $0) } ?? "" }
  var family: UInt32 { nftnl_table_get_u32(pointer, UInt16(NFTNL_TABLE_FAMILY.rawValue)) }

  var userData: UserData? {
    var len: UInt32 = 0
    guard nftnl_table_is_set(pointer, UInt16(NFTNL_TABLE_USERDATA.rawValue)),
      let d = nftnl_table_get_data(pointer, UInt16(NFTNL_TABLE_USERDATA.rawValue), &len)
    else { return nil }
    return UserData(bytes: Array(UnsafeRawBufferPointer(start: d, count: Int(len))))
  }
}

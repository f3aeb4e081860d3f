// One libnftnl stateful object (`struct nftnl_obj`) of type counter: built for `add counter` /
// `delete counter`, or parsed from a NFT_MSG_NEWOBJ dump message (name, comment, values).
import CNftnl
import NFTables

/// The corresponding libnftnl calls are `nftnl_obj_alloc` / `nftnl_obj_free`.
final class NftnlObject {
  private let pointer: OpaquePointer

  init() throws {
    guard let p = nftnl_obj_alloc() else { throw NetlinkError.outOfMemory(what: "object") }
    pointer = p
  }

  deinit { nftnl_obj_free(pointer) }

  private static func a(_ v: Int) -> UInt16 { UInt16(v) }

  /// NFT_OBJECT_COUNTER.
  static let counterType = UInt32(NFT_OBJECT_COUNTER)

  /// A counter named `name` in `table`, as nft sends it: for `add counter` (`declaration`
  /// given) with its comment (NFTNL_UDATA_OBJ_COMMENT) and zero values, which the kernel
  /// ignores for a counter that exists; for `delete counter` and dump filters, name and type only.
  convenience init(table: String, name: String?, counter declaration: CounterObject? = nil) throws {
    try self.init()
    table.withCString { nftnl_obj_set_str(pointer, Self.a(NFTNL_OBJ_TABLE), $0) }
    if let name { name.withCString { nftnl_obj_set_str(pointer, Self.a(NFTNL_OBJ_NAME), $0) } }
    nftnl_obj_set_u32(pointer, Self.a(NFTNL_OBJ_TYPE), Self.counterType)
    guard let declaration else { return }
    if let u = UserData.comment(declaration.comment) {
      u.bytes.withUnsafeBytes { nftnl_obj_set_data(pointer, Self.a(NFTNL_OBJ_USERDATA), $0.baseAddress, UInt32($0.count)) }
    }
    nftnl_obj_set_u64(pointer, Self.a(NFTNL_OBJ_CTR_BYTES), 0)
    nftnl_obj_set_u64(pointer, Self.a(NFTNL_OBJ_CTR_PKTS), 0)
  }

  /// Lends the pointer for the duration of `body`.
  func withPointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(pointer) }

  /// The corresponding libnftnl call is `nftnl_obj_nlmsg_parse`.
  func parse(_ nlh: UnsafePointer<nlmsghdr>) -> Bool { nftnl_obj_nlmsg_parse(nlh, pointer) >= 0 }

  var table: String { nftnl_obj_get_str(pointer, Self.a(NFTNL_OBJ_TABLE)).map { String(cString: $0) } ?? "" }
  var name: String { nftnl_obj_get_str(pointer, Self.a(NFTNL_OBJ_NAME)).map { String(cString: $0) } ?? "" }
  var type: UInt32 { nftnl_obj_get_u32(pointer, Self.a(NFTNL_OBJ_TYPE)) }

  /// The counter with its values and comment; nil for an object of another type.
  var counter: CounterObject? {
    guard nftnl_obj_is_set(pointer, Self.a(NFTNL_OBJ_TYPE)), type == Self.counterType else { return nil }
    var comment: String? = nil
    var len: UInt32 = 0
    if nftnl_obj_is_set(pointer, Self.a(NFTNL_OBJ_USERDATA)), let d = nftnl_obj_get_data(pointer, Self.a(NFTNL_OBJ_USERDATA), &len) {
      comment = UserData(bytes: Array(UnsafeRawBufferPointer(start: d, count: Int(len)))).string(0)
    }
    return CounterObject(
      name: name, comment: comment, packets: nftnl_obj_get_u64(pointer, Self.a(NFTNL_OBJ_CTR_PKTS)),
      bytes: nftnl_obj_get_u64(pointer, Self.a(NFTNL_OBJ_CTR_BYTES)))
  }
}

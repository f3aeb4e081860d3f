// One libnftnl set (`struct nftnl_set`) as a declaration: built for `add set` / `delete set`
// from an `NFTSet` header, or parsed from a NFT_MSG_NEWSET dump message.
import CNftnl
import NFTables

/// The corresponding libnftnl calls are `nftnl_set_alloc` / `nftnl_set_free`.
final class NftnlSet {
  private let pointer: OpaquePointer

  init() throws {
    guard let p = nftnl_set_alloc() else { throw NetlinkError.outOfMemory(what: "set") }
    pointer = p
  }

  deinit { nftnl_set_free(pointer) }

  private static func a(_ v: nftnl_set_attr) -> UInt16 { UInt16(v.rawValue) }

  private func setBytes(_ attr: nftnl_set_attr, _ bytes: [UInt8]) {
    bytes.withUnsafeBytes { _ = nftnl_set_set_data(pointer, Self.a(attr), $0.baseAddress, UInt32($0.count)) }
  }

  /// A set named `name` in `table`; with `header`, its full declaration as nft sends it.
  /// `id` is the transaction-local NFTA_SET_ID the kernel requires with every new set.
  convenience init(table: String, name: String, header: NFTSet? = nil, id: UInt32 = 0) throws {
    try self.init()
    _ = nftnl_set_set_str(pointer, Self.a(NFTNL_SET_TABLE), table)
    _ = nftnl_set_set_str(pointer, Self.a(NFTNL_SET_NAME), name)
    guard let header else { return }
    if let reason = SetLayout.unsupported(header) { throw reason }
    let layout = SetLayout(header)
    guard layout.userData.isValid else { throw LoweringError.userDataTooLong(set: name) }
    nftnl_set_set_u32(pointer, Self.a(NFTNL_SET_ID), id)
    nftnl_set_set_u32(pointer, Self.a(NFTNL_SET_FLAGS), layout.kernelFlags)
    nftnl_set_set_u32(pointer, Self.a(NFTNL_SET_KEY_TYPE), layout.keyTypeID)
    nftnl_set_set_u32(pointer, Self.a(NFTNL_SET_KEY_LEN), layout.keyLength)
    if let t = layout.dataType { nftnl_set_set_u32(pointer, Self.a(NFTNL_SET_DATA_TYPE), t) }
    if let l = layout.dataLength { nftnl_set_set_u32(pointer, Self.a(NFTNL_SET_DATA_LEN), l) }
    if let o = layout.objectType { nftnl_set_set_u32(pointer, Self.a(NFTNL_SET_OBJ_TYPE), o) }
    if let size = header.size { nftnl_set_set_u32(pointer, Self.a(NFTNL_SET_DESC_SIZE), UInt32(size)) }
    if let t = header.timeoutSeconds { nftnl_set_set_u64(pointer, Self.a(NFTNL_SET_TIMEOUT), UInt64(t) * 1000) }
    if let fields = layout.concatFieldLengths { setBytes(NFTNL_SET_DESC_CONCAT, fields.map { UInt8($0) }) }
    setBytes(NFTNL_SET_USERDATA, layout.userData.bytes)
  }

  /// Lends the pointer for the duration of `body`.
  func withPointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(pointer) }

  /// The corresponding libnftnl call is `nftnl_set_nlmsg_parse`.
  func parse(_ nlh: UnsafePointer<nlmsghdr>) -> Bool { nftnl_set_nlmsg_parse(nlh, pointer) >= 0 }

  var table: String { nftnl_set_get_str(pointer, Self.a(NFTNL_SET_TABLE)).map { String(cString: $0) } ?? "" }
  var name: String { nftnl_set_get_str(pointer, Self.a(NFTNL_SET_NAME)).map { String(cString: $0) } ?? "" }

  /// The declaration as the model describes it (without elements); nil for sets kproxy would not create.
  var header: NFTSet? {
    let flags = nftnl_set_get_u32(pointer, Self.a(NFTNL_SET_FLAGS))
    guard flags & Kernel.setAnonymous == 0 else { return nil }
    let keyID = nftnl_set_get_u32(pointer, Self.a(NFTNL_SET_KEY_TYPE))
    guard let keyType = DataType.split(concatenatedID: keyID) else { return nil }
    var set = NFTSet(name: name, keyType: keyType)
    set.flags = SetFlags(rawValue: flags & ~(Kernel.setMap | Kernel.setConcat | Kernel.setObject))
    if flags & Kernel.setObject != 0 {
      // An object map: kproxy's hold counters, and have no data type of their own.
      guard flags & Kernel.setMap == 0, nftnl_set_get_u32(pointer, Self.a(NFTNL_SET_OBJ_TYPE)) == Kernel.objectCounter,
        !nftnl_set_is_set(pointer, Self.a(NFTNL_SET_DATA_TYPE))
      else { return nil }
      set.dataType = [.counter]
    } else if flags & Kernel.setMap != 0 {
      let d = nftnl_set_get_u32(pointer, Self.a(NFTNL_SET_DATA_TYPE))
      if d == Kernel.dataVerdict {
        set.dataType = [.verdict]
      } else {
        guard let types = DataType.split(concatenatedID: d), !types.contains(.verdict),
          nftnl_set_get_u32(pointer, Self.a(NFTNL_SET_DATA_LEN)) == UInt32(SetLayout.keyLength(types))
        else { return nil }
        set.dataType = types
      }
    }
    if nftnl_set_is_set(pointer, Self.a(NFTNL_SET_DESC_SIZE)) {
      let size = nftnl_set_get_u32(pointer, Self.a(NFTNL_SET_DESC_SIZE))
      if size != 0 { set.size = Int(size) }
    }
    if nftnl_set_is_set(pointer, Self.a(NFTNL_SET_TIMEOUT)) {
      let ms = nftnl_set_get_u64(pointer, Self.a(NFTNL_SET_TIMEOUT))
      if ms != 0 { set.timeoutSeconds = Int(ms / 1000) }
    }
    var len: UInt32 = 0
    if nftnl_set_is_set(pointer, Self.a(NFTNL_SET_USERDATA)),
      let d = nftnl_set_get_data(pointer, Self.a(NFTNL_SET_USERDATA), &len)
    {
      let u = UserData(bytes: Array(UnsafeRawBufferPointer(start: d, count: Int(len))))
      set.comment = u.string(7)
      guard let t = SetLayout.typeof(u, of: set) else { return nil }
      set.typeof = t
    }
    return set
  }
}

// A list of set elements (libnftnl keeps them in a `struct nftnl_set` naming their set): built
// for `add element` / `delete element`, or filled from a NFT_MSG_NEWSETELEM dump.
import CNftnl
import NFTables

/// The corresponding libnftnl calls are `nftnl_set_alloc`, `nftnl_set_elem_alloc`, `nftnl_set_elem_add`.
final class NftnlElementList {
  private let pointer: OpaquePointer

  private static func a(_ v: nftnl_set_attr) -> UInt16 { UInt16(v.rawValue) }
  private static func e(_ v: Int) -> UInt16 { UInt16(v) }

  /// An empty list for the set `name` of `table`.
  init(table: String, set name: String) throws {
    guard let p = nftnl_set_alloc() else { throw NetlinkError.outOfMemory(what: "element list of \(name)") }
    pointer = p
    table.withCString { _ = nftnl_set_set_str(p, Self.a(NFTNL_SET_TABLE), $0) }
    name.withCString { _ = nftnl_set_set_str(p, Self.a(NFTNL_SET_NAME), $0) }
  }

  deinit { nftnl_set_free(pointer) }

  /// Appends an element; the list owns it. The corresponding libnftnl call is `nftnl_set_elem_add`.
  func append(_ layout: ElementLayout, keyOnly: Bool) throws {
    guard let el = nftnl_set_elem_alloc() else { throw NetlinkError.outOfMemory(what: "set element") }
    layout.key.withUnsafeBytes { _ = nftnl_set_elem_set(el, Self.e(NFTNL_SET_ELEM_KEY), $0.baseAddress, UInt32($0.count)) }
    if layout.isIntervalEnd { nftnl_set_elem_set_u32(el, Self.e(NFTNL_SET_ELEM_FLAGS), Kernel.elemIntervalEnd) }
    if let end = layout.keyEnd {
      end.withUnsafeBytes { _ = nftnl_set_elem_set(el, Self.e(NFTNL_SET_ELEM_KEY_END), $0.baseAddress, UInt32($0.count)) }
    }
    if !keyOnly {
      if let v = layout.verdict, case .immediateVerdict(let code, let chain) = RuleLowering.verdictExpr(v) {
        nftnl_set_elem_set_u32(el, Self.e(NFTNL_SET_ELEM_VERDICT), UInt32(bitPattern: code))
        if let chain { chain.withCString { _ = nftnl_set_elem_set_str(el, Self.e(NFTNL_SET_ELEM_CHAIN), $0) } }
      }
      if let d = layout.data {
        d.withUnsafeBytes { _ = nftnl_set_elem_set(el, Self.e(NFTNL_SET_ELEM_DATA), $0.baseAddress, UInt32($0.count)) }
      }
      if let o = layout.objectName { o.withCString { _ = nftnl_set_elem_set_str(el, Self.e(NFTNL_SET_ELEM_OBJREF), $0) } }
      if let u = layout.userData {
        u.bytes.withUnsafeBytes { _ = nftnl_set_elem_set(el, Self.e(NFTNL_SET_ELEM_USERDATA), $0.baseAddress, UInt32($0.count)) }
      }
    }
    nftnl_set_elem_add(pointer, el)
  }

  /// Lends the pointer for the duration of `body`.
  func withPointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(pointer) }

  /// Adds the elements of one dump message. The corresponding libnftnl call is `nftnl_set_elems_nlmsg_parse`.
  func parse(_ nlh: UnsafePointer<nlmsghdr>) -> Bool { nftnl_set_elems_nlmsg_parse(nlh, pointer) >= 0 }

  /// A dumped element: key bytes, range end, interval-end flag, verdict, data or counter name,
  /// comment, and the milliseconds until it expires (elements of sets with timeouts).
  struct Dumped {
    var key: [UInt8]
    var keyEnd: [UInt8]?
    var isIntervalEnd: Bool
    var verdict: (code: Int32, chain: String?)?
    var data: [UInt8]? = nil
    var objectName: String? = nil
    var comment: String?
    var expiration: UInt64? = nil
  }

  /// The elements, in kernel order. The corresponding libnftnl calls are `nftnl_set_elems_iter_*`.
  var elements: [Dumped] {
    guard let it = nftnl_set_elems_iter_create(pointer) else { return [] }
    defer { nftnl_set_elems_iter_destroy(it) }
    var out: [Dumped] = []
    var cur = nftnl_set_elems_iter_next(it)
    while let el = cur {
      func bytes(_ attr: Int) -> [UInt8]? {
        guard nftnl_set_elem_is_set(el, Self.e(attr)) else { return nil }
        var len: UInt32 = 0
        guard let d = nftnl_set_elem_get(el, Self.e(attr), &len) else { return nil }
        return Array(UnsafeRawBufferPointer(start: d, count: Int(len)))
      }
      let flags = nftnl_set_elem_is_set(el, Self.e(NFTNL_SET_ELEM_FLAGS)) ? nftnl_set_elem_get_u32(el, Self.e(NFTNL_SET_ELEM_FLAGS)) : 0
      var d = Dumped(
        key: bytes(NFTNL_SET_ELEM_KEY) ?? [], keyEnd: bytes(NFTNL_SET_ELEM_KEY_END),
        isIntervalEnd: flags & Kernel.elemIntervalEnd != 0)
      if nftnl_set_elem_is_set(el, Self.e(NFTNL_SET_ELEM_VERDICT)) {
        let code = Int32(bitPattern: nftnl_set_elem_get_u32(el, Self.e(NFTNL_SET_ELEM_VERDICT)))
        let chain =
          nftnl_set_elem_is_set(el, Self.e(NFTNL_SET_ELEM_CHAIN))
          ? nftnl_set_elem_get_str(el, Self.e(NFTNL_SET_ELEM_CHAIN)).map { String(cString: $0) } : nil
        d.verdict = (code, chain)
      }
      d.data = bytes(NFTNL_SET_ELEM_DATA)
      if nftnl_set_elem_is_set(el, Self.e(NFTNL_SET_ELEM_OBJREF)) {
        d.objectName = nftnl_set_elem_get_str(el, Self.e(NFTNL_SET_ELEM_OBJREF)).map { String(cString: $0) }
      }
      if nftnl_set_elem_is_set(el, Self.e(NFTNL_SET_ELEM_EXPIRATION)) {
        d.expiration = nftnl_set_elem_get_u64(el, Self.e(NFTNL_SET_ELEM_EXPIRATION))
      }
      if let u = bytes(NFTNL_SET_ELEM_USERDATA) { d.comment = UserData(bytes: u).string(0) }
      out.append(d)
      cur = nftnl_set_elems_iter_next(it)
    }
    return out
  }
}

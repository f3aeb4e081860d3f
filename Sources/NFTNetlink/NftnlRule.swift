// One libnftnl rule (`struct nftnl_rule`): built from register expressions and a comment for
// `add rule` (and table+chain only for `flush chain`), or parsed from a dump message.
import CNftnl
import Glibc

/// The corresponding libnftnl calls are `nftnl_rule_alloc` / `nftnl_rule_free`.
final class NftnlRule {
  private let pointer: OpaquePointer

  init() throws {
    guard let p = nftnl_rule_alloc() else { throw NetlinkError.outOfMemory(what: "rule") }
    pointer = p
  }

  deinit { nftnl_rule_free(pointer) }

  private static func a(_ v: nftnl_rule_attr) -> UInt16 { UInt16(v.rawValue) }

  /// A rule of `chain` in `table` made of `exprs`, with an optional comment (NFTNL_UDATA_RULE_COMMENT).
  convenience init(table: String, chain: String, exprs: [RegisterExpr] = [], comment: String? = nil) throws {
    try self.init()
    try Self.fill(pointer, table: table, chain: chain, exprs: exprs, comment: comment)
  }

  private static func fill(_ p: OpaquePointer, table: String, chain: String, exprs: [RegisterExpr], comment: String?) throws {
    table.withCString { _ = nftnl_rule_set_str(p, a(NFTNL_RULE_TABLE), $0) }
    chain.withCString { _ = nftnl_rule_set_str(p, a(NFTNL_RULE_CHAIN), $0) }
    for e in exprs { try NftnlExpression.add(e, to: p) }
    if let comment {
      UserData.withComment(comment) { _ = nftnl_rule_set_data(p, a(NFTNL_RULE_USERDATA), $0.baseAddress, UInt32($0.count)) }
    }
  }

  /// Lends the pointer for the duration of `body`.
  func withPointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(pointer) }

  /// The corresponding libnftnl call is `nftnl_rule_nlmsg_parse`.
  func parse(_ nlh: UnsafePointer<nlmsghdr>) -> Bool { nftnl_rule_nlmsg_parse(nlh, pointer) >= 0 }

  var table: String { nftnl_rule_get_str(pointer, Self.a(NFTNL_RULE_TABLE)).map { String(cString: $0) } ?? "" }
  var chain: String { nftnl_rule_get_str(pointer, Self.a(NFTNL_RULE_CHAIN)).map { String(cString: $0) } ?? "" }

  var comment: String? {
    var len: UInt32 = 0
    guard nftnl_rule_is_set(pointer, Self.a(NFTNL_RULE_USERDATA)),
      let d = nftnl_rule_get_data(pointer, Self.a(NFTNL_RULE_USERDATA), &len)
    else { return nil }
    return UserData(bytes: Array(UnsafeRawBufferPointer(start: d, count: Int(len)))).string(0)
  }

  /// The rule's expressions; nil entries are kinds kproxy never generates.
  /// The corresponding libnftnl calls are `nftnl_expr_iter_create` / `nftnl_expr_iter_next`.
  var expressions: [RegisterExpr?] {
    guard let it = nftnl_expr_iter_create(pointer) else { return [] }
    defer { nftnl_expr_iter_destroy(it) }
    var out: [RegisterExpr?] = []
    while let e = nftnl_expr_iter_next(it) { out.append(NftnlExpression.read(e)) }
    return out
  }

  /// The rule's expressions, or nil when one is of a kind kproxy never generates.
  var knownExpressions: [RegisterExpr]? {
    guard let it = nftnl_expr_iter_create(pointer) else { return [] }
    defer { nftnl_expr_iter_destroy(it) }
    var out: [RegisterExpr] = []
    out.reserveCapacity(16)
    while let e = nftnl_expr_iter_next(it) {
      guard let r = NftnlExpression.read(e) else { return nil }
      out.append(r)
    }
    return out
  }

  /// True if the rule belongs to `chain` of `table` (compared as C strings).
  func isIn(table: String, chain: String) -> Bool {
    guard let t = nftnl_rule_get_str(pointer, Self.a(NFTNL_RULE_TABLE)),
      let c = nftnl_rule_get_str(pointer, Self.a(NFTNL_RULE_CHAIN))
    else { return false }
    return table.withCString { strcmp($0, t) == 0 } && chain.withCString { strcmp($0, c) == 0 }
  }
}

// Reads a dumped NFT_MSG_NEWRULE message straight from its netlink attributes, without
// building libnftnl objects: the hot path of read-back (one message per rule).
import CNftnl

/// The netlink attributes in a buffer: type (without NLA_F_NESTED / NLA_F_NET_BYTEORDER) and payload.
struct NetlinkAttributes: Sequence, IteratorProtocol {
  private var rest: UnsafeRawBufferPointer
  /// Set when an attribute's length does not fit; iteration stops there.
  private(set) var malformed = false

  init(_ buffer: UnsafeRawBufferPointer) { rest = buffer }

  mutating func next() -> (type: UInt16, payload: UnsafeRawBufferPointer)? {
    guard rest.count >= 4 else { return nil }
    let len = Int(rest.loadUnaligned(fromByteOffset: 0, as: UInt16.self))
    let type = rest.loadUnaligned(fromByteOffset: 2, as: UInt16.self) & 0x3fff  // NLA_TYPE_MASK
    guard len >= 4, len <= rest.count else {
      malformed = true
      return nil
    }
    let payload = UnsafeRawBufferPointer(rebasing: rest[4..<len])
    rest = UnsafeRawBufferPointer(rebasing: rest[Swift.min((len + 3) & ~3, rest.count)...])
    return (type, payload)
  }
}

/// One dumped rule. `init` fails (and the caller falls back to libnftnl's parser) for anything
/// unexpected: a malformed attribute, or an expression kind `NftnlExpression.read` does not know.
struct RuleMessage {
  var table: UnsafeRawBufferPointer
  var chain: UnsafeRawBufferPointer
  /// nil when an expression is of a known kind but not a shape kproxy generates (as `read` gives).
  var expressions: [RegisterExpr]?
  var userData: UnsafeRawBufferPointer?

  init?(_ nlh: UnsafePointer<nlmsghdr>) {
    let header = MemoryLayout<nlmsghdr>.size + MemoryLayout<nfgenmsg>.size
    let total = Int(nlh.pointee.nlmsg_len)
    guard total >= header else { return nil }
    var attrs = NetlinkAttributes(UnsafeRawBufferPointer(start: UnsafeRawPointer(nlh) + header, count: total - header))
    var table: UnsafeRawBufferPointer?
    var chain: UnsafeRawBufferPointer?
    var exprs: [RegisterExpr]? = []
    while let (type, payload) = attrs.next() {
      switch UInt32(type) {
      case NFTA_RULE_TABLE.rawValue: table = payload
      case NFTA_RULE_CHAIN.rawValue: chain = payload
      case NFTA_RULE_USERDATA.rawValue: userData = payload
      case NFTA_RULE_EXPRESSIONS.rawValue:
        var list = NetlinkAttributes(payload)
        exprs?.reserveCapacity(16)
        while let (elemType, elem) = list.next() {
          guard UInt32(elemType) == NFTA_LIST_ELEM.rawValue, let e = Self.expression(elem) else { return nil }
          if let r = e { exprs?.append(r) } else { exprs = nil }
        }
        guard !list.malformed else { return nil }
      default: break
      }
    }
    guard !attrs.malformed, let table, let chain else { return nil }
    self.table = table
    self.chain = chain
    expressions = exprs
  }

  /// True if the rule belongs to `chain` of `table`.
  func isIn(table t: String, chain c: String) -> Bool { Self.equal(table, t) && Self.equal(chain, c) }

  /// The rule's comment (NFTA_RULE_USERDATA), as `NftnlRule.comment` reads it.
  var comment: String? { userData.flatMap { UserData(bytes: Array($0)).string(0) } }

  /// A NUL-terminated string attribute compared with `s`.
  static func equal(_ attr: UnsafeRawBufferPointer, _ s: String) -> Bool {
    let bytes = attr.firstIndex(of: 0).map { UnsafeRawBufferPointer(rebasing: attr[..<$0]) } ?? attr
    var s = s
    return s.withUTF8 { $0.elementsEqual(bytes) }
  }

  static func u32(_ p: UnsafeRawBufferPointer) -> UInt32? {
    p.count == 4 ? UInt32(bigEndian: p.loadUnaligned(as: UInt32.self)) : nil
  }

  static func string(_ p: UnsafeRawBufferPointer) -> String {
    let bytes = p.firstIndex(of: 0).map { UnsafeRawBufferPointer(rebasing: p[..<$0]) } ?? p
    return String(decoding: bytes, as: UTF8.self)
  }

  /// One NFTA_LIST_ELEM: nil if it cannot be read here, `.some(nil)` for a known kind in a
  /// shape kproxy never generates.
  static func expression(_ elem: UnsafeRawBufferPointer) -> RegisterExpr?? {
    var attrs = NetlinkAttributes(elem)
    var kind: NftnlExpression.Kind?
    var data: UnsafeRawBufferPointer?
    while let (type, payload) = attrs.next() {
      switch UInt32(type) {
      case NFTA_EXPR_NAME.rawValue:
        guard
          let k = payload.withMemoryRebound(
            to: CChar.self,
            { buf -> NftnlExpression.Kind? in
              guard buf.last == 0, let base = buf.baseAddress else { return nil }
              return NftnlExpression.kind(base)
            })
        else { return nil }
        kind = k
      case NFTA_EXPR_DATA.rawValue: data = payload
      default: break
      }
    }
    guard !attrs.malformed, let kind else { return nil }
    guard let fields = ExpressionFields(data ?? UnsafeRawBufferPointer(start: nil, count: 0), kind: kind) else { return nil }
    return .some(fields.expression(kind))
  }
}

// The bytes of set element keys: concatenation fields padded to 32 bits, and for
// concatenated interval sets (pipapo) the range end as a second key (NFTA_SET_ELEM_KEY_END).
import NFTables
import NetAddress

/// An element as the kernel receives it.
public struct ElementLayout: Sendable, Hashable {
  public var key: [UInt8]
  /// NFTA_SET_ELEM_KEY_END, for concatenated interval sets.
  public var keyEnd: [UInt8]?
  public var verdict: Verdict?
  public var userData: UserData?

  /// Encodes `element` of `set`; throws for a value that does not fit its key type.
  public init(_ element: Element, of set: NFTSet) throws {
    let concat = set.keyType.count > 1
    let interval = set.flags.contains(.interval)
    if interval && !concat { throw LoweringError.unsupportedSet(set.name) }
    guard element.key.count == set.keyType.count else {
      throw LoweringError.valueMismatch(field: "key of \(set.name)", value: "\(element.key)")
    }
    var start: [UInt8] = []
    var end: [UInt8] = []
    for (value, type) in zip(element.key, set.keyType) {
      var (lo, hi) = try Self.range(value, type: type, setName: set.name)
      if concat {
        let padded = (lo.count + 3) / 4 * 4
        lo += [UInt8](repeating: 0, count: padded - lo.count)
        hi += [UInt8](repeating: 0, count: padded - hi.count)
      }
      start += lo
      end += hi
    }
    key = start
    keyEnd = interval ? end : nil
    if case .verdict(let v)? = element.data { verdict = v }
    userData = UserData.comment(element.comment)
  }

  /// The first and last value a key component covers (equal unless it is a prefix).
  static func range(_ value: Value, type: DataType, setName: String) throws -> ([UInt8], [UInt8]) {
    let fits: Bool
    switch (value, type) {
    case (.address(.v4), .ipv4Addr), (.address(.v6), .ipv6Addr): fits = true
    case (.prefix(let p), .ipv4Addr): fits = p.family == .v4
    case (.prefix(let p), .ipv6Addr): fits = p.family == .v6
    case (.proto, .inetProto), (.port, .inetService), (.integer, .mark): fits = true
    default: fits = false
    }
    guard fits else { throw LoweringError.valueMismatch(field: "\(type.rawValue) in \(setName)", value: "\(value)") }
    if case .prefix(let p) = value { return (p.address.bytes, p.lastAddress.bytes) }
    let b = ByteLayout.bytes(of: value)
    return (b, b)
  }

  /// Rough size of the element in a netlink message, for splitting long element lists.
  var estimatedSize: Int {
    48 + key.count * 2 + (keyEnd?.count ?? 0) * 2 + (userData?.bytes.count ?? 0)
      + (verdict?.targetChain?.utf8.count ?? 0) + 40
  }
}

// Set elements as nft sends them: concatenations (keys and map data) padded to 32 bits, pipapo
// ranges with NFTA_SET_ELEM_KEY_END, rbtree ranges as a start and an interval end past the range,
// counter names of `: counter` maps as NFTA_SET_ELEM_OBJREF.
import NFTables
import NetAddress

/// An element as the kernel receives it.
public struct ElementLayout: Sendable, Hashable {
  public var key: [UInt8]
  /// NFTA_SET_ELEM_KEY_END, for concatenated interval sets.
  public var keyEnd: [UInt8]?
  public var verdict: Verdict?
  /// NFTA_SET_ELEM_DATA of a map with values (`10.0.0.1 . 8080`).
  public var data: [UInt8]?
  /// NFTA_SET_ELEM_OBJREF of a `: counter` map: the name of the counter (`: "c-a"`).
  public var objectName: String?
  public var userData: UserData?
  /// NFT_SET_ELEM_INTERVAL_END for the element closing a range of an rbtree set.
  public var isIntervalEnd = false

  init(key: [UInt8], isIntervalEnd: Bool) {
    self.key = key
    self.isIntervalEnd = isIntervalEnd
  }

  /// The kernel elements of `element`: one, or for a single-field interval set a start and
  /// (unless the range reaches the last address) an interval end one past the range.
  public static func kernelElements(_ element: Element, of set: NFTSet) throws -> [ElementLayout] {
    var out: [ElementLayout] = []
    try forEachKernelElement(element, of: set) { out.append($0) }
    return out
  }

  /// Passes each of `kernelElements(element, of: set)` to `body`, without collecting them.
  static func forEachKernelElement(_ element: Element, of set: NFTSet, _ body: (ElementLayout) throws -> Void) throws {
    guard set.flags.contains(.interval) && set.keyType.count == 1 else { return try body(ElementLayout(element, of: set)) }
    guard element.key.count == 1 else {
      throw LoweringError.valueMismatch(field: "key of \(set.name)", value: "\(element.key)")
    }
    let (lo, hi) = try range(element.key[0], type: set.keyType[0], setName: set.name, interval: true)
    var start = ElementLayout(key: lo, isIntervalEnd: false)
    try start.setData(element.data, of: set)
    start.userData = UserData.comment(element.comment)
    guard let next = increment(hi) else {
      // A range up to the last address has no end element; nft marks the start as open
      // (NFTNL_UDATA_SET_ELEM_FLAGS = NFTNL_SET_ELEM_F_INTERVAL_OPEN), after any comment.
      var u = start.userData ?? UserData()
      u.putU32(1, 1)
      start.userData = u
      return try body(start)
    }
    try body(start)
    try body(ElementLayout(key: next, isIntervalEnd: true))
  }

  /// The interval-end element at the lowest key that nft puts first in an rbtree set whose
  /// first range does not start there.
  static func leadingIntervalEnd(for set: NFTSet, elements: [Element]) throws -> ElementLayout? {
    guard set.flags.contains(.interval) && set.keyType.count == 1 else { return nil }
    let zero = [UInt8](repeating: 0, count: set.keyType[0].byteLength)
    for e in elements {
      if let first = e.key.first, try range(first, type: set.keyType[0], setName: set.name, interval: true).0 == zero { return nil }
    }
    return ElementLayout(key: zero, isIntervalEnd: true)
  }

  /// Big-endian `bytes + 1`; nil on overflow.
  static func increment(_ bytes: [UInt8]) -> [UInt8]? {
    var b = bytes
    for i in b.indices.reversed() {
      if b[i] == 0xff {
        b[i] = 0
      } else {
        b[i] += 1
        return b
      }
    }
    return nil
  }

  /// Encodes `element` of `set`; throws for a value that does not fit its key type.
  public init(_ element: Element, of set: NFTSet) throws {
    let keyType = set.keyType
    let concat = keyType.count > 1
    let interval = set.flags.contains(.interval)
    if interval && !concat { throw LoweringError.unsupportedSet(set.name) }
    guard element.key.count == keyType.count else {
      throw LoweringError.valueMismatch(field: "key of \(set.name)", value: "\(element.key)")
    }
    var start: [UInt8] = []
    start.reserveCapacity(keyType.count * 16)
    var end: [UInt8] = []
    if interval {
      end.reserveCapacity(keyType.count * 16)
      for (value, type) in zip(element.key, keyType) {
        let (lo, hi) = try Self.range(value, type: type, setName: set.name, interval: true)
        start += lo
        end += hi
        Self.pad(&start)
        Self.pad(&end)
      }
    } else {
      for i in keyType.indices {
        let value = element.key[i]
        guard Self.fits(value, keyType[i]) else { throw Self.mismatch(value, keyType[i], setName: set.name) }
        ByteLayout.append(value, to: &start)
        if concat { Self.pad(&start) }
      }
    }
    key = start
    keyEnd = interval ? end : nil
    try setData(element.data, of: set)
    userData = UserData.comment(element.comment)
  }

  /// The verdict, or the data bytes of the map's data types (each padded to 32 bits when
  /// they are a concatenation, as for keys).
  mutating func setData(_ d: ElementData?, of set: NFTSet) throws {
    switch d {
    case nil:
      return
    case .object(let name):
      guard set.isCounterMap else { throw LoweringError.valueMismatch(field: "data of \(set.name)", value: "counter \(name)") }
      objectName = name
    case .verdict(let v):
      guard set.isVerdictMap else { throw LoweringError.valueMismatch(field: "data of \(set.name)", value: "\(v)") }
      verdict = v
    case .values(let values):
      guard let types = set.dataType, !set.isVerdictMap, !set.isCounterMap, values.count == types.count else {
        throw LoweringError.valueMismatch(field: "data of \(set.name)", value: "\(values)")
      }
      var bytes: [UInt8] = []
      bytes.reserveCapacity(types.count * 16)
      for (value, type) in zip(values, types) {
        // Map data holds single values; a prefix there would be interval data.
        if case .prefix = value { throw Self.mismatch(value, type, setName: set.name) }
        guard Self.fits(value, type) else { throw Self.mismatch(value, type, setName: set.name) }
        ByteLayout.append(value, to: &bytes)
        if types.count > 1 { Self.pad(&bytes) }
      }
      data = bytes
    }
  }

  /// Pads a concatenation component to 32 bits.
  private static func pad(_ bytes: inout [UInt8]) {
    while bytes.count % 4 != 0 { bytes.append(0) }
  }

  static func fits(_ value: Value, _ type: DataType) -> Bool {
    switch (value, type) {
    case (.address(.v4), .ipv4Addr), (.address(.v6), .ipv6Addr): true
    case (.prefix(let p), .ipv4Addr): p.family == .v4
    case (.prefix(let p), .ipv6Addr): p.family == .v6
    case (.proto, .inetProto), (.port, .inetService), (.integer, .mark), (.integer, .integer): true
    default: false
    }
  }

  static func mismatch(_ value: Value, _ type: DataType, setName: String) -> LoweringError {
    .valueMismatch(field: "\(type.rawValue) in \(setName)", value: "\(value)")
  }

  /// The first and last value a key component covers (equal unless it is a prefix). Interval
  /// sets compare keys as big-endian bytes, so nft stores host-endian values (marks) in
  /// network order there.
  static func range(_ value: Value, type: DataType, setName: String, interval: Bool) throws -> ([UInt8], [UInt8]) {
    guard fits(value, type) else { throw mismatch(value, type, setName: setName) }
    if case .prefix(let p) = value { return (p.address.bytes, p.lastAddress.bytes) }
    if interval, case .integer(let i) = value {
      let b = ByteLayout.hostEndian32(i).reversed() as [UInt8]
      return (b, b)
    }
    let b = ByteLayout.bytes(of: value)
    return (b, b)
  }

  /// Rough size of the element in a netlink message, for splitting long element lists.
  var estimatedSize: Int {
    48 + key.count * 2 + (keyEnd?.count ?? 0) * 2 + (data?.count ?? 0) + (userData?.bytes.count ?? 0)
      + (verdict?.targetChain?.utf8.count ?? 0) + (objectName.map { $0.utf8.count + 8 } ?? 0) + 40
  }
}

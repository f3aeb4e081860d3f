// Lifts dumped set elements (key bytes, range ends, verdicts, map data, counter names, comments)
// back into `Element` values of the set's key and data types; the inverse of `ElementLayout`.
import NFTables
import NetAddress

enum ElementLifting {
  /// The elements of `set` from its dump; nil if one does not decode (not kproxy's shape).
  /// The kernel cannot tell `10.0.0.1` from `10.0.0.1/32` in an interval set; where `spelling`
  /// (the desired set) has an element with the same bytes, its key values are used.
  static func lift(_ dumped: [NftnlElementList.Dumped], of set: NFTSet, spelling: NFTSet? = nil) -> [Element]? {
    let concat = set.keyType.count > 1
    if set.flags.contains(.interval) && !concat { return liftRanges(dumped, of: set) }
    var spelled: [[UInt8]: [Value]] = [:]
    // Only interval sets hold ranges, where an address and its /32 look the same.
    if let spelling, set.flags.contains(.interval), spelling.header == set.header {
      for e in spelling.elements {
        guard let l = try? ElementLayout(e, of: set) else { continue }
        spelled[l.key + (l.keyEnd ?? [])] = e.key
      }
    }
    var out: [Element] = []
    out.reserveCapacity(dumped.count)
    for d in dumped {
      guard !d.isIntervalEnd,
        var key = key(d.key, end: d.keyEnd, types: set.keyType, concat: concat, interval: set.flags.contains(.interval))
      else { return nil }
      if let k = spelled[d.key + (d.keyEnd ?? [])] { key = k }
      var e = Element(key)
      guard let data = data(d, of: set) else { return nil }
      e.data = data
      e.comment = d.comment
      out.append(e)
    }
    return out
  }

  /// An rbtree set: start elements and interval ends one past each range; every range must
  /// be a prefix. The interval end at the lowest key that nft adds first is skipped.
  static func liftRanges(_ dumped: [NftnlElementList.Dumped], of set: NFTSet) -> [Element]? {
    let starts = dumped.filter { !$0.isIntervalEnd }.sorted { $0.key.lexicographicallyPrecedes($1.key) }
    let ends = dumped.filter(\.isIntervalEnd).map(\.key).sorted { $0.lexicographicallyPrecedes($1) }
    let width = set.keyType[0].byteLength
    var out: [Element] = []
    for (i, s) in starts.enumerated() {
      guard s.key.count == width else { return nil }
      // The range ends before the first interval end above its start, which must not lie
      // beyond the next start; without one it reaches the last address.
      let next = i + 1 < starts.count ? starts[i + 1].key : nil
      let last: [UInt8]
      if let end = ends.first(where: { s.key.lexicographicallyPrecedes($0) }) {
        if let next, next.lexicographicallyPrecedes(end) { return nil }
        guard let l = decrement(end) else { return nil }
        last = l
      } else {
        last = [UInt8](repeating: 0xff, count: width)
      }
      guard let v = value(s.key, last, type: set.keyType[0], isRange: true, interval: true) else { return nil }
      var e = Element([v])
      guard let data = data(s, of: set) else { return nil }
      e.data = data
      e.comment = s.comment
      out.append(e)
    }
    return out
  }

  /// The element's verdict, map data or counter name (`.some(nil)` without any); nil if it does
  /// not decode as the set's data types.
  static func data(_ d: NftnlElementList.Dumped, of set: NFTSet) -> ElementData?? {
    if let v = d.verdict {
      guard set.isVerdictMap, let verdict = RuleLifting.verdict(code: v.code, chain: v.chain) else { return nil }
      return .verdict(verdict)
    }
    if let name = d.objectName {
      guard set.isCounterMap, d.data == nil else { return nil }
      return .object(name)
    }
    guard let bytes = d.data else { return .some(nil) }
    guard let types = set.dataType, !set.isVerdictMap, !set.isCounterMap,
      let values = key(bytes, end: nil, types: types, concat: types.count > 1, interval: false)
    else { return nil }
    return .values(values)
  }

  /// Big-endian `bytes - 1`; nil below zero.
  static func decrement(_ bytes: [UInt8]) -> [UInt8]? {
    var b = bytes
    for i in b.indices.reversed() {
      if b[i] == 0 {
        b[i] = 0xff
      } else {
        b[i] -= 1
        return b
      }
    }
    return nil
  }

  static func key(_ bytes: [UInt8], end: [UInt8]?, types: [DataType], concat: Bool, interval: Bool) -> [Value]? {
    var values: [Value] = []
    var offset = 0
    for t in types {
      let n = t.byteLength
      let stride = concat ? (n + 3) / 4 * 4 : n
      guard offset + n <= bytes.count else { return nil }
      if end == nil {
        guard let v = exactValue(bytes[offset..<(offset + n)], type: t, interval: interval) else { return nil }
        values.append(v)
        offset += stride
        continue
      }
      let lo = Array(bytes[offset..<(offset + n)])
      var hi = lo
      if let end {
        guard offset + n <= end.count else { return nil }
        hi = Array(end[offset..<(offset + n)])
      }
      guard let v = value(lo, hi, type: t, isRange: end != nil, interval: interval) else { return nil }
      values.append(v)
      offset += stride
    }
    return offset == bytes.count ? values : nil
  }

  /// `value(lo, lo, type:, isRange: false, interval:)` read straight from the dumped key.
  static func exactValue(_ b: ArraySlice<UInt8>, type: DataType, interval: Bool) -> Value? {
    switch type {
    case .counter: nil
    case .ipv4Addr, .ipv6Addr: RuleLifting.address(b).map { .address($0) }
    case .inetProto: IPProto(rawValue: b[b.startIndex]).map { .proto($0) }
    case .inetService: ByteLayout.readBigEndian16(b).map { .port($0) }
    case .mark, .integer: ByteLayout.readHostEndian32(interval ? Array(b.reversed())[...] : b).map { .integer($0) }
    case .verdict: nil
    }
  }

  /// One key component; marks of interval sets are stored in network order.
  static func value(_ lo: [UInt8], _ hi: [UInt8], type: DataType, isRange: Bool, interval: Bool) -> Value? {
    switch type {
    case .counter: return nil
    case .ipv4Addr, .ipv6Addr:
      guard let a = RuleLifting.address(lo[...]) else { return nil }
      guard isRange else { return .address(a) }
      // A range over addresses is a prefix: the common leading bits, then all ones.
      let length = commonPrefixLength(lo, hi)
      let p = IPPrefix(address: a, length: length)
      guard p.address == a, p.lastAddress.bytes == hi else { return nil }
      return .prefix(p)
    case .inetProto:
      guard lo == hi else { return nil }
      return IPProto(rawValue: lo[0]).map { .proto($0) }
    case .inetService:
      guard lo == hi else { return nil }
      return ByteLayout.readBigEndian16(lo[...]).map { .port($0) }
    case .mark, .integer:
      guard lo == hi else { return nil }
      return ByteLayout.readHostEndian32((interval ? lo.reversed() : lo)[...]).map { .integer($0) }
    case .verdict:
      return nil
    }
  }

  static func commonPrefixLength(_ a: [UInt8], _ b: [UInt8]) -> Int {
    var n = 0
    for (x, y) in zip(a, b) {
      let diff = x ^ y
      if diff == 0 {
        n += 8
        continue
      }
      return n + diff.leadingZeroBitCount
    }
    return n
  }
}

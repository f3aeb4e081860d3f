// One-pass member lookups on a JSONTape object for the decoders' fast paths: the member of each
// wanted key found in a single walk over the object, with no reader and no String per member.

extension JSONTape {
  /// The member index of each of `keys` in the object at `index` (-1 when absent), found in one
  /// walk over its members; nil when the value is not an object or one of `keys` occurs twice
  /// (the general decoder reports both).
  func members<let count: Int>(of index: Int, _ keys: InlineArray<count, String>) -> InlineArray<count, Int>? {
    let object = entries[index]
    guard object.kind == .object else { return nil }
    var found = InlineArray<count, Int>(repeating: -1)
    var member = Self.firstChild(index)
    for _ in 0..<Int(object.start) {
      for wanted in 0..<count where keyEquals(member, keys[wanted]) {
        guard found[wanted] < 0 else { return nil }
        found[wanted] = member
        break
      }
      member = Int(entries[member].next)
    }
    return found
  }

  /// A member `members(of:_:)` found, when present and not null (Kubernetes reads null as absent).
  func value(_ member: Int) -> Int? {
    member >= 0 && entries[member].kind != .null ? member : nil
  }

  /// The string at `member` when it is one; nil for any other kind.
  func stringValue(_ member: Int) -> String? {
    entries[member].kind == .string ? string(member) : nil
  }

  /// Reads an optional boolean member (`bool(_:)` of FieldReader): true with `value` set (nil
  /// when absent or null); false when the member is no boolean.
  func readBool(_ member: Int, into value: inout Bool?) -> Bool {
    guard let member = self.value(member) else { return true }
    switch entries[member].kind {
    case .true: value = true
    case .false: value = false
    default: return false
    }
    return true
  }
}

extension JSONTape {
  /// A list member for the fast paths: its first element and count (no elements when absent or
  /// null); nil when it is no list or holds more than `limit` elements.
  func list(_ member: Int, limit: Int) -> (first: Int, count: Int)? {
    guard let member = value(member) else { return (0, 0) }
    guard entries[member].kind == .array, Int(entries[member].start) <= limit else { return nil }
    return (Self.firstChild(member), Int(entries[member].start))
  }

  /// The number at `member` when it is a port (1-65535, written as plain decimal digits); nil
  /// for anything else (`asPort` reads or refuses it).
  func portValue(_ member: Int) -> Int? {
    let entry = entries[member]
    guard entry.kind == .number, entry.length >= 1, entry.length <= 5 else { return nil }
    var value = 0
    for offset in Int(entry.start)..<Int(entry.start + entry.length) {
      let digit = bytes[offset] &- UInt8(ascii: "0")
      guard digit <= 9 else { return nil }
      value = value * 10 + Int(digit)
    }
    return value >= 1 && value <= 65535 && bytes[Int(entry.start)] != UInt8(ascii: "0") ? value : nil
  }
}

extension JSONTape {
  /// The object at `index` as a map of strings whose keys and values pass the checks, read in one
  /// walk (labels, selectors, annotations); nil for anything else (not an object, a value that is
  /// no string, a duplicate key, a check failing), which the general reader reports.
  /// With `spend: false` the caller spends the entries' count itself.
  func stringMap(
    _ index: Int, keys validKey: (String) -> Bool, values validValue: (String) -> Bool, spend: Bool = true
  ) throws(FieldError) -> [String: String]? {
    guard entries[index].kind == .object else { return nil }
    let count = Int(entries[index].start)
    var result = [String: String](minimumCapacity: count)
    var member = Self.firstChild(index)
    for _ in 0..<count {
      guard let value = stringValue(member) else { return nil }
      let key = key(member)
      guard validKey(key), validValue(value), result.updateValue(value, forKey: key) == nil else { return nil }
      member = Int(entries[member].next)
    }
    // The general reader spends this when it lists the entries, before it checks them (they are valid here).
    if spend { try budget.spend(count) }
    return result
  }
}

extension JSONTape {
  /// A string enum member (`enumeration` of FieldReader): `fallback` when absent or null; nil
  /// when it is no string or not one of the enum's values.
  func enumValue<Value: StringEnumField>(_ member: Int, default fallback: Value) -> Value? {
    guard let member = value(member) else { return fallback }
    return stringValue(member).flatMap(Value.init(rawValue:))
  }

  /// A list of strings (`stringList` of FieldReader): empty when absent or null; nil when it is
  /// no list or holds anything but strings.
  func strings(_ member: Int) -> [String]? {
    guard let list = list(member, limit: Int.max) else { return nil }
    var result: [String] = []
    result.reserveCapacity(list.count)
    var element = list.first
    for _ in 0..<list.count {
      guard let text = stringValue(element) else { return nil }
      result.append(text)
      element = Int(entries[element].next)
    }
    return result
  }

  /// True when the member is the number written `0`.
  func isZero(_ member: Int) -> Bool {
    let entry = entries[member]
    return entry.kind == .number && entry.length == 1 && bytes[Int(entry.start)] == UInt8(ascii: "0")
  }
}

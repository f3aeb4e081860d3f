// The elements of one table's sets and maps, indexed for lookups by key: exact keys through a
// dictionary, interval sets (prefixes in a key component) by a scan.
import NFTables
import NetAddress

/// One table's sets and maps, ready for lookups.
struct SetIndex {
  private struct Entry {
    var set: NFTSet
    var exact: [[Value]: ElementData?]
  }
  private var sets: [String: Entry] = [:]

  init(table: Table) {
    for s in table.sets {
      var exact: [[Value]: ElementData?] = [:]
      if !s.flags.contains(.interval) {
        exact.reserveCapacity(s.elements.count)
        for e in s.elements { exact[e.key] = e.data }
      }
      sets[s.name] = Entry(set: s, exact: exact)
    }
  }

  func contains(_ name: String) -> Bool { sets[name] != nil }

  /// The element whose key matches `key`: `.some(data)` when found (data is nil for a plain
  /// set), nil when not found. Throws for a set the table does not declare.
  func lookup(_ name: String, key: [Value], table: String) throws -> ElementData?? {
    guard let entry = sets[name] else { throw TraceError.unknownSet(table: table, set: name) }
    if !entry.set.flags.contains(.interval) {
      guard let found = entry.exact[key] else { return nil }
      return .some(found)
    }
    for e in entry.set.elements where e.key.count == key.count {
      if zip(e.key, key).allSatisfy({ Self.component($0, matches: $1) }) { return .some(e.data) }
    }
    return nil
  }

  /// An element's key component against the packet's value: equal, or a prefix holding it.
  static func component(_ element: Value, matches value: Value) -> Bool {
    if element == value { return true }
    if case .prefix(let p) = element, case .address(let a) = value { return p.contains(a) }
    return false
  }
}

/// A ruleset the evaluator cannot follow (it would not load into the kernel either).
public enum TraceError: Error, Hashable, CustomStringConvertible {
  case unknownChain(table: String, chain: String)
  case unknownSet(table: String, set: String)
  case tooDeep(table: String, chain: String)

  public var description: String {
    switch self {
    case .unknownChain(let t, let c): "table \(t): a rule refers to chain \(c), which the table does not have"
    case .unknownSet(let t, let s): "table \(t): a rule refers to set or map \(s), which the table does not have"
    case .tooDeep(let t, let c): "table \(t): chain \(c) is nested more than 16 jumps deep (the kernel refuses that)"
    }
  }
}

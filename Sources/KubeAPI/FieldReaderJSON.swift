// FieldReader's navigation over the JSON fast path's tree: member lookups compare keys in place;
// duplicate keys fail as in YAML (JSON has no merge keys).

extension FieldReader {
  /// The value of `key` in a JSON object; nil when absent. Scans every member, so a duplicate fails.
  func jsonChild(_ tree: JSONTree, _ index: Int, _ key: String) throws(FieldError) -> FieldNode? {
    guard case .object(let first, let count) = tree.values[index] else { throw wrongType("a map") }
    var found: Int?
    for member in first..<(first + count) where tree.members[member].key == key {
      if found != nil { throw .duplicateKey(field: path, key: key) }
      found = tree.members[member].value
    }
    return found.map { .json(tree, $0) }
  }

  /// The members of a JSON object in document order; keys must be unique.
  func jsonEntries(_ tree: JSONTree, _ index: Int) throws(FieldError) -> [(key: String, value: FieldNode)] {
    guard case .object(let first, let count) = tree.values[index] else { throw wrongType("a map") }
    try budget.spend(count)
    var seen = Set<String>()
    var result: [(key: String, value: FieldNode)] = []
    for member in tree.members[first..<(first + count)] {
      guard seen.insert(member.key).inserted else { throw .duplicateKey(field: path, key: member.key) }
      result.append((member.key, .json(tree, member.value)))
    }
    return result
  }
}

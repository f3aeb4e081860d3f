// FieldReader's navigation over the fast paths' tree (block YAML) and tape (JSON): member lookups
// compare keys in place; duplicate keys fail as in YAML (neither has merge keys).

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

  /// The member of `key` in a tape object; nil when absent. Scans every member, so a duplicate fails.
  @inline(__always)
  func tapeChild(_ tape: JSONTape, _ index: Int, _ key: String) throws(FieldError) -> Int? {
    let object = tape[index]
    guard object.kind == .object else { throw wrongType("a map") }
    var found: Int?
    var member = JSONTape.firstChild(index)
    for _ in 0..<Int(object.start) {
      if tape.keyEquals(member, key) {
        if found != nil { throw .duplicateKey(field: path, key: key) }
        found = member
      }
      member = Int(tape[member].next)
    }
    return found
  }

  /// The members of a tape object in document order; keys must be unique.
  func tapeEntries(_ tape: JSONTape, _ index: Int) throws(FieldError) -> [(key: String, member: Int)] {
    let object = tape[index]
    guard object.kind == .object else { throw wrongType("a map") }
    let count = Int(object.start)
    try tape.budget.spend(count)
    // Small maps (labels, selectors) compare keys in place; larger ones hash them.
    var seen: Set<String>? = count > 8 ? [] : nil
    var result: [(key: String, member: Int)] = []
    result.reserveCapacity(count)
    var member = JSONTape.firstChild(index)
    for _ in 0..<count {
      let key = tape.key(member)
      let duplicate = seen != nil ? !seen!.insert(key).inserted : result.contains { tape.sameKey($0.member, member) }
      if duplicate { throw .duplicateKey(field: path, key: key) }
      result.append((key, member))
      member = Int(tape[member].next)
    }
    return result
  }
}

// FieldReader's navigation over Yams nodes: map lookups by index (no copy of the whole mapping
// per lookup), duplicate keys and YAML merge keys refused.
import Yams

extension FieldReader {
  /// The value of `key` in a YAML mapping; nil when absent. Scans every key, so a duplicate or a
  /// merge key anywhere in the mapping fails.
  func yamlChild(_ node: Yams.Node, _ key: String) throws(FieldError) -> FieldNode? {
    guard case .mapping(let mapping) = node else { throw wrongType("a map") }
    var found: Yams.Node?
    for index in mapping.startIndex..<mapping.endIndex {
      guard case .scalar(let keyScalar) = mapping[index].key else { continue }
      if keyScalar.string == key {
        if found != nil { throw .duplicateKey(field: path, key: key) }
        found = mapping[index].value
      } else if Self.isMergeKey(keyScalar) {
        throw .invalid(field: path, reason: Self.mergeKeyReason)
      }
    }
    return found.map { .yaml($0) }
  }

  /// The entries of a YAML mapping in document order; keys must be strings and unique.
  func yamlEntries(_ node: Yams.Node) throws(FieldError) -> [(key: String, value: FieldNode)] {
    guard case .mapping(let mapping) = node else { throw wrongType("a map") }
    try budget.spend(mapping.count)
    var seen = Set<String>()
    var result: [(key: String, value: FieldNode)] = []
    for (keyNode, value) in mapping {
      if let keyScalar = keyNode.scalar, Self.isMergeKey(keyScalar) { throw .invalid(field: path, reason: Self.mergeKeyReason) }
      let keyReader = FieldReader(node: .yaml(keyNode), location: location, budget: budget)
      guard let scalar = keyNode.scalar, case .string(let key) = ScalarValue(scalar) else {
        throw keyReader.wrongType("a string key")
      }
      guard seen.insert(key).inserted else { throw .duplicateKey(field: path, key: key) }
      result.append((key, .yaml(value)))
    }
    return result
  }

  /// A plain `<<` key: YAML 1.1 merge, which kproxy refuses rather than half-support (fields
  /// silently taken from defaults instead of the merged map would be worse than an error).
  static func isMergeKey(_ scalar: Yams.Node.Scalar) -> Bool {
    scalar.string == "<<" && (scalar.style == .plain || scalar.style == .any)
  }

  static let mergeKeyReason = "YAML merge keys (<<) are not supported; write the fields out"
}

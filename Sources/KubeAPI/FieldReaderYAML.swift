// FieldReader's navigation over Yams nodes: map lookups by index (no copy of the whole mapping
// per lookup), duplicate keys refused, YAML 1.1 merge keys (`<<`) resolved within the walk budget.
import Yams

extension FieldReader {
  /// The value of `key` in a YAML mapping; nil when absent. Scans every key, so a duplicate
  /// anywhere in the mapping fails.
  func yamlChild(_ node: Yams.Node, _ key: String) throws(FieldError) -> FieldNode? {
    guard case .mapping(let mapping) = node else { throw wrongType("a map") }
    var found: Yams.Node?
    for index in mapping.startIndex..<mapping.endIndex {
      guard case .scalar(let keyScalar) = mapping[index].key, keyScalar.string == key else { continue }
      if found != nil { throw .duplicateKey(field: path, key: key) }
      found = mapping[index].value
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
      let keyReader = FieldReader(node: .yaml(keyNode), location: location, budget: budget)
      guard let scalar = keyNode.scalar, case .string(let key) = ScalarValue(scalar) else {
        throw keyReader.wrongType("a string key")
      }
      guard seen.insert(key).inserted else { throw .duplicateKey(field: path, key: key) }
      result.append((key, .yaml(value)))
    }
    return result
  }

  // MARK: Merge keys

  /// This reader with its mapping's merge keys resolved (YAML 1.1 merge, as kubectl's YAML reader
  /// does): explicit keys win over merged ones, and of a list of merged maps the earlier wins.
  /// Every merged map spends its size from the walk budget, so merge-key alias bombs stop early.
  func resolvingMerges() throws(FieldError) -> FieldReader {
    guard case .yaml(let yaml) = node, case .mapping(let mapping) = yaml, Self.hasMergeKey(mapping) else { return self }
    return FieldReader(node: .yaml(.mapping(try flattened(mapping))), location: location, budget: budget)
  }

  /// A plain `<<` key.
  static func isMergeKey(_ node: Yams.Node) -> Bool {
    guard case .scalar(let scalar) = node else { return false }
    return scalar.string == "<<" && (scalar.style == .plain || scalar.style == .any)
  }

  private static func hasMergeKey(_ mapping: Yams.Node.Mapping) -> Bool { mapping.keys.contains(where: isMergeKey) }

  /// The mapping with its merge keys replaced by the entries they merge.
  private func flattened(_ mapping: Yams.Node.Mapping) throws(FieldError) -> Yams.Node.Mapping {
    var pairs: [(Yams.Node, Yams.Node)] = []
    var mergeValue: Yams.Node?
    for (key, value) in mapping {
      if Self.isMergeKey(key) {
        if mergeValue != nil { throw .duplicateKey(field: path, key: "<<") }
        mergeValue = value
      } else {
        pairs.append((key, value))
      }
    }
    guard let mergeValue else { return mapping }
    let sources: [Yams.Node.Mapping]
    switch mergeValue {
    case .mapping(let source): sources = [source]
    case .sequence(let list):
      var maps: [Yams.Node.Mapping] = []
      for element in list {
        guard case .mapping(let source) = element else { throw mergeValueError(element) }
        maps.append(source)
      }
      sources = maps
    default: throw mergeValueError(mergeValue)
    }
    var seen = Set(pairs.compactMap { $0.0.scalar?.string })
    for source in sources {
      let resolved = Self.hasMergeKey(source) ? try flattened(source) : source
      try budget.spend(resolved.count)
      for (key, value) in resolved {
        guard let name = key.scalar?.string else { continue }
        if seen.insert(name).inserted { pairs.append((key, value)) }
      }
    }
    return Yams.Node.Mapping(pairs, mapping.tag, mapping.style, mapping.mark)
  }

  private func mergeValueError(_ value: Yams.Node) -> FieldError {
    let got = FieldNode.yaml(value).described
    return .invalid(field: path, reason: "a merge key (<<) takes a map or a list of maps, got \(got)")
  }
}

// Walks the generic YAML node tree of one document, reading typed fields and remembering the
// path (`spec.ports[1].port`) so every failure names the exact field.
import Yams

/// Limits how many list elements and map entries kproxy visits in one document. Without YAML
/// aliases every value takes at least one byte of text, so a budget proportional to the document
/// size never refuses real input but stops alias bombs ("billion laughs") early.
final class WalkBudget {
  let limit: Int
  private var remaining: Int
  init(documentBytes: Int) {
    limit = 1024 + 2 * documentBytes
    remaining = limit
  }
  func spend(_ count: Int) throws(FieldError) {
    remaining -= count
    if remaining < 0 { throw .tooManyValues(limit: limit) }
  }
}

/// A node of the document together with its field path.
struct FieldReader {
  let node: Yams.Node
  /// The path of `node`: "" for the document root, else e.g. "spec.ports[1]".
  let path: String
  let budget: WalkBudget

  init(node: Yams.Node, path: String = "", budget: WalkBudget) {
    self.node = node
    self.path = path
    self.budget = budget
  }

  /// The path of a child field of this node.
  func childPath(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

  /// True when the node is a null scalar (`null`, `~` or empty), which Kubernetes treats as absent.
  var isNull: Bool {
    guard let scalar = node.scalar else { return false }
    return ScalarValue.isNull(scalar)
  }

  /// How this node is named in "got X" messages.
  var described: String {
    if let scalar = node.scalar { return ScalarValue(scalar).described }
    if node.sequence != nil { return "a list" }
    return "a map"
  }

  func wrongType(_ expected: String) -> FieldError {
    .wrongType(field: path, expected: expected, got: described)
  }

  func invalid(_ reason: String) -> FieldError { .invalid(field: path, reason: reason) }

  // MARK: Navigation

  /// The field at a dotted path below this node (`"spec.type"`); nil when it or a parent is absent or null.
  func optional(_ dottedKey: String) throws(FieldError) -> FieldReader? {
    guard dottedKey.utf8.contains(UInt8(ascii: ".")) else { return try child(dottedKey) }
    var current = self
    for key in dottedKey.utf8.split(separator: UInt8(ascii: ".")) {
      guard let child = try current.child(String(decoding: key, as: UTF8.self)) else { return nil }
      current = child
    }
    return current
  }

  /// The field at a dotted path, which must be present and not null.
  func required(_ dottedKey: String) throws(FieldError) -> FieldReader {
    guard let field = try optional(dottedKey) else { throw .missing(field: childPath(dottedKey)) }
    return field
  }

  /// One direct child of this mapping node; nil when absent or null.
  private func child(_ key: String) throws(FieldError) -> FieldReader? {
    guard let mapping = node.mapping else { throw wrongType("a map") }
    var found: Yams.Node?
    for (keyNode, value) in mapping {
      guard let keyScalar = keyNode.scalar else { continue }
      if keyScalar.string == key {
        if found != nil { throw .duplicateKey(field: path, key: key) }
        found = value
      } else if Self.isMergeKey(keyScalar) {
        throw .invalid(field: path, reason: Self.mergeKeyReason)
      }
    }
    guard let found else { return nil }
    let reader = FieldReader(node: found, path: childPath(key), budget: budget)
    return reader.isNull ? nil : reader
  }

  /// The elements of this list node, each with its `[i]` path.
  func elements() throws(FieldError) -> [FieldReader] {
    guard let sequence = node.sequence else { throw wrongType("a list") }
    try budget.spend(sequence.count)
    return sequence.enumerated().map { FieldReader(node: $1, path: "\(path)[\($0)]", budget: budget) }
  }

  /// The entries of this map node in document order; keys must be strings and unique.
  func entries() throws(FieldError) -> [(key: String, value: FieldReader)] {
    guard let mapping = node.mapping else { throw wrongType("a map") }
    try budget.spend(mapping.count)
    var seen = Set<String>()
    var result: [(key: String, value: FieldReader)] = []
    for (keyNode, value) in mapping {
      if let keyScalar = keyNode.scalar, Self.isMergeKey(keyScalar) { throw .invalid(field: path, reason: Self.mergeKeyReason) }
      let keyReader = FieldReader(node: keyNode, path: path, budget: budget)
      guard let scalar = keyNode.scalar, case .string(let key) = ScalarValue(scalar) else {
        throw keyReader.wrongType("a string key")
      }
      guard seen.insert(key).inserted else { throw .duplicateKey(field: path, key: key) }
      result.append((key, FieldReader(node: value, path: "\(path)[\(quoted(key))]", budget: budget)))
    }
    return result
  }

  /// A plain `<<` key: YAML 1.1 merge, which kproxy refuses rather than half-support (fields
  /// silently taken from defaults instead of the merged map would be worse than an error).
  static func isMergeKey(_ scalar: Yams.Node.Scalar) -> Bool {
    scalar.string == "<<" && (scalar.style == .plain || scalar.style == .any)
  }

  static let mergeKeyReason = "YAML merge keys (<<) are not supported; write the fields out"

  // MARK: Scalars of this node

  var scalarValue: ScalarValue? { node.scalar.map(ScalarValue.init) }

  func asString() throws(FieldError) -> String {
    guard case .string(let text) = scalarValue else { throw wrongType("a string") }
    return text
  }

  func asInt() throws(FieldError) -> Int {
    guard case .int(let value, let text) = scalarValue else { throw wrongType("an integer") }
    guard let value else { throw invalid("\(text) is out of range") }
    return value
  }

  func asBool() throws(FieldError) -> Bool {
    guard case .bool(let value) = scalarValue else { throw wrongType("a boolean (true or false)") }
    return value
  }

  func asIntOrString() throws(FieldError) -> IntOrString {
    switch scalarValue {
    case .string(let text): return .string(text)
    case .int(let value?, _): return .int(value)
    case .int(nil, let text): throw invalid("\(text) is out of range")
    default: throw wrongType("an integer or a string")
    }
  }

  // MARK: Typed children (nil when absent or null)

  func string(_ key: String) throws(FieldError) -> String? { try optional(key)?.asString() }
  func int(_ key: String) throws(FieldError) -> Int? { try optional(key)?.asInt() }
  func bool(_ key: String) throws(FieldError) -> Bool? { try optional(key)?.asBool() }
  func intOrString(_ key: String) throws(FieldError) -> IntOrString? { try optional(key)?.asIntOrString() }
  func requiredString(_ key: String) throws(FieldError) -> String { try required(key).asString() }
  func requiredInt(_ key: String) throws(FieldError) -> Int { try required(key).asInt() }

  /// The elements of a list field; empty when absent.
  func list(_ key: String) throws(FieldError) -> [FieldReader] { try optional(key)?.elements() ?? [] }

  /// A list of strings, each with its path; empty when absent.
  func stringList(_ key: String) throws(FieldError) -> [(text: String, reader: FieldReader)] {
    var result: [(text: String, reader: FieldReader)] = []
    for element in try list(key) { result.append((try element.asString(), element)) }
    return result
  }

  /// A map of strings to strings (labels, selector); nil when absent.
  func stringMap(_ key: String) throws(FieldError) -> [(key: String, value: String, reader: FieldReader)]? {
    guard let map = try optional(key) else { return nil }
    var result: [(key: String, value: String, reader: FieldReader)] = []
    for (entryKey, value) in try map.entries() { result.append((entryKey, try value.asString(), value)) }
    return result
  }
}

// Walks the node tree of one document (Yams' for YAML, the fast paths' tree or tape), reading typed
// fields and knowing the path (`spec.ports[1].port`) so every failure names the exact field.

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

/// A Yams or block YAML node (or a tape value reached through a map entry) with its path and budget.
final class NodeReading {
  let node: FieldNode
  let location: FieldPath
  let budget: WalkBudget

  init(node: FieldNode, location: FieldPath, budget: WalkBudget) {
    self.node = node
    self.location = location
    self.budget = budget
  }
}

/// A node of the document together with its field path.
///
/// A JSON tape value reached from its top-level value by member and element steps is the common
/// case and costs one reference: its path is derived from the tape only when an error needs it.
/// Anything else carries a NodeReading.
struct FieldReader {
  /// What the reader reads: a tape value by index, or a NodeReading.
  private enum Source {
    case tape(JSONTape)
    case reading(NodeReading)
  }

  private let source: Source
  /// For a tape value: its index.
  private let tapeIndex: Int32
  /// For a tape value: the value its path starts from (the document root), or -1 for the
  /// top-level value holding it.
  private let pathRoot: Int32
  /// For a tape value: true when it was read as a map entry (`map["key"]`: the map's path is
  /// derived, then this step).
  private let isTapeEntry: Bool

  init(node: FieldNode, location: FieldPath = .root(), budget: WalkBudget) {
    source = .reading(NodeReading(node: node, location: location, budget: budget))
    tapeIndex = 0
    pathRoot = -1
    isTapeEntry = false
  }

  /// A value of a JSON tape whose path is derived from the tape, starting at `root` (a value that
  /// holds it; -1: the top-level value that holds it), which is the document root.
  init(tape: JSONTape, index: Int, root: Int = -1, isEntry: Bool = false) {
    source = .tape(tape)
    tapeIndex = Int32(truncatingIfNeeded: index)
    pathRoot = Int32(truncatingIfNeeded: root)
    isTapeEntry = isEntry
  }

  /// The tape of a value read by index (`tapeIndex`); nil for a reader with a NodeReading.
  private var tape: JSONTape? {
    guard case .tape(let tape) = source else { return nil }
    return tape
  }

  private var reading: NodeReading? {
    guard case .reading(let reading) = source else { return nil }
    return reading
  }

  /// The tape index of a tape value.
  private var index: Int { Int(tapeIndex) }

  var node: FieldNode {
    if let tape { return .tape(tape, index) }
    return reading!.node
  }

  var budget: WalkBudget {
    if let tape { return tape.budget }
    return reading!.budget
  }

  /// The tape and index of this node when it is a JSON tape value.
  private var tapeValue: (tape: JSONTape, index: Int)? {
    if let tape { return (tape, index) }
    if case .tape(let tape, let index) = reading!.node { return (tape, index) }
    return nil
  }

  /// The tape and index of a tape value whose children's paths derive from the tape (no map entry
  /// step above it), for the decoders' one-pass fast paths: `FieldReader(tape:index:)` of any
  /// value below it is the reader the general navigation would give.
  var plainTapeValue: (tape: JSONTape, index: Int)? {
    guard let tape, !isTapeEntry else { return nil }
    return (tape, index)
  }

  /// The reader of the tape value `index` below this plain tape value (see `plainTapeValue`).
  func tapeReader(at index: Int) -> FieldReader {
    FieldReader(tape: tape!, index: index, root: Int(pathRoot))
  }

  /// The path of `node` as a chain of steps (spelled out now for a tape value).
  var location: FieldPath {
    if let reading { return reading.location }
    return FieldPath(parent: nil, step: .spelled(path))
  }

  /// The path of `node`: "" for the document root, else e.g. "spec.ports[1]".
  var path: String {
    guard let tape else { return reading!.location.text }
    guard isTapeEntry else { return tape.path(of: index, from: Int(pathRoot)) }
    guard let (map, _) = tape.parent(of: index, from: Int(pathRoot)) else { return "" }
    return "\(tape.path(of: map, from: Int(pathRoot)))[\(quoted(tape.key(index)))]"
  }

  /// The reader of the tape value `index`, reached from this node by `step`.
  private func tapeReader(_ tape: JSONTape, _ index: Int, _ step: FieldPath.Step) -> FieldReader {
    if self.tape != nil && !isTapeEntry {
      if case .entry = step { return FieldReader(tape: tape, index: index, root: Int(pathRoot), isEntry: true) }
      return FieldReader(tape: tape, index: index, root: Int(pathRoot))
    }
    return FieldReader(node: .tape(tape, index), location: FieldPath(parent: location, step: step), budget: tape.budget)
  }

  /// The path of a child field of this node.
  func childPath(_ key: String) -> String { FieldPath.keyPath(path, key) }

  /// True when the node is a null scalar (`null`, `~` or empty), which Kubernetes treats as absent.
  var isNull: Bool {
    if let tape { return tape[index].kind == .null }
    return reading!.node.isNull
  }

  /// How this node is named in "got X" messages.
  var described: String { node.described }

  func wrongType(_ expected: String) -> FieldError {
    .wrongType(field: path, expected: expected, got: described)
  }

  func invalid(_ reason: String) -> FieldError { .invalid(field: path, reason: reason) }

  // MARK: Navigation

  /// The field at a dotted path below this node (`"spec.type"`); nil when it or a parent is absent or null.
  func optional(_ dottedKey: String) throws(FieldError) -> FieldReader? {
    let dot = UInt8(ascii: ".")
    let dotted = dottedKey.utf8.withContiguousStorageIfAvailable { $0.contains(dot) } ?? dottedKey.utf8.contains(dot)
    guard dotted else { return try child(dottedKey) }
    var current = self
    var rest = Substring(dottedKey)
    while let end = rest.utf8.firstIndex(of: dot) {
      // Empty steps (`a..b`, a trailing dot) are skipped.
      if end != rest.startIndex {
        guard let child = try current.child(String(rest[..<end])) else { return nil }
        current = child
      }
      rest = rest[rest.utf8.index(after: end)...]
    }
    return rest.isEmpty ? current : try current.child(String(rest))
  }

  /// The field at a dotted path, which must be present and not null.
  func required(_ dottedKey: String) throws(FieldError) -> FieldReader {
    guard let field = try optional(dottedKey) else { throw .missing(field: childPath(dottedKey)) }
    return field
  }

  /// One direct child of this mapping node; nil when absent or null.
  private func child(_ key: String) throws(FieldError) -> FieldReader? {
    if let tape, !isTapeEntry {
      // The common case, kept short: a member of a tape object, its path derived.
      guard let member = try tapeChild(tape, index, key), tape[member].kind != .null else { return nil }
      return FieldReader(tape: tape, index: member, root: Int(pathRoot))
    }
    if let (tape, index) = tapeValue {
      guard let member = try tapeChild(tape, index, key), tape[member].kind != .null else { return nil }
      return tapeReader(tape, member, .key(key))
    }
    let reading = reading!
    let found: FieldNode?
    switch reading.node {
    case .yaml(let yaml): found = try yamlChild(yaml, key)
    case .json(let tree, let index): found = try jsonChild(tree, index, key)
    case .tape: preconditionFailure("tape values are read above")
    }
    guard let found, !found.isNull else { return nil }
    return try FieldReader(node: found, location: FieldPath(parent: reading.location, step: .key(key)), budget: reading.budget)
      .resolvingMerges()
  }

  /// The elements of this list node, each with its `[i]` path.
  func elements() throws(FieldError) -> [FieldReader] {
    if let (tape, index) = tapeValue {
      let list = tape[index]
      guard list.kind == .array else { throw wrongType("a list") }
      let count = Int(list.start)
      try tape.budget.spend(count)
      var readers: [FieldReader] = []
      readers.reserveCapacity(count)
      var element = JSONTape.firstChild(index)
      for position in 0..<count {
        readers.append(tapeReader(tape, element, .index(position)))
        element = Int(tape[element].next)
      }
      return readers
    }
    let nodes: [FieldNode]
    switch reading!.node {
    case .yaml(let yaml):
      guard case .sequence(let sequence) = yaml else { throw wrongType("a list") }
      try budget.spend(sequence.count)
      nodes = sequence.map { .yaml($0) }
    case .json(let tree, let index):
      guard case .array(let first, let count) = tree.values[index] else { throw wrongType("a list") }
      try budget.spend(count)
      nodes = tree.elements[first..<(first + count)].map { .json(tree, $0) }
    case .tape: preconditionFailure("tape values are read above")
    }
    var readers: [FieldReader] = []
    readers.reserveCapacity(nodes.count)
    for (index, node) in nodes.enumerated() {
      readers.append(
        try FieldReader(node: node, location: FieldPath(parent: location, step: .index(index)), budget: budget).resolvingMerges())
    }
    return readers
  }

  /// The entries of this map node in document order; keys must be strings and unique.
  func entries() throws(FieldError) -> [(key: String, value: FieldReader)] {
    if let (tape, index) = tapeValue {
      return try tapeEntries(tape, index).map { (key: $0.key, value: tapeReader(tape, $0.member, .entry($0.key))) }
    }
    let pairs: [(key: String, value: FieldNode)]
    switch reading!.node {
    case .yaml(let yaml): pairs = try yamlEntries(yaml)
    case .json(let tree, let index): pairs = try jsonEntries(tree, index)
    case .tape: preconditionFailure("tape values are read above")
    }
    var result: [(key: String, value: FieldReader)] = []
    result.reserveCapacity(pairs.count)
    for (key, value) in pairs {
      result.append(
        (key, try FieldReader(node: value, location: FieldPath(parent: location, step: .entry(key)), budget: budget).resolvingMerges()))
    }
    return result
  }

  // MARK: Scalars of this node

  var scalarValue: ScalarValue? { node.scalarValue }

  func asString() throws(FieldError) -> String {
    if let tape, tape[index].kind == .string { return tape.string(index) }
    let scalar = scalarValue
    if case .bool = scalar, let word = node.plainYAMLText, word != "true", word != "false" {
      throw invalid(
        "expected a string, got \(scalar!.described): YAML 1.1 (as kubectl reads it) makes a plain \(word) a boolean; quote it: \"\(word)\""
      )
    }
    guard case .string(let text) = scalar else { throw wrongType("a string") }
    return text
  }

  func asInt() throws(FieldError) -> Int {
    let scalar = scalarValue
    if case .number(let text) = scalar, ScalarValue.isLeadingZeroDecimal(text) {
      throw invalid(
        "expected an integer, got number \(text): with a leading 0, YAML 1.1 (as kubectl reads it) means an octal number, and 8 and 9 are not octal digits"
      )
    }
    guard case .int(let value, let text) = scalar else { throw wrongType("an integer") }
    guard let value else { throw invalid("\(text) is out of range") }
    return value
  }

  func asBool() throws(FieldError) -> Bool {
    if let tape {
      switch tape[index].kind {
      case .true: return true
      case .false: return false
      default: break
      }
    }
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

  func string(_ key: String) throws(FieldError) -> String? {
    if let (tape, member) = try tapeLeaf(key) {
      guard let member else { return nil }
      if tape[member].kind == .string { return tape.string(member) }
    }
    return try optional(key)?.asString()
  }

  func int(_ key: String) throws(FieldError) -> Int? { try optional(key)?.asInt() }

  func bool(_ key: String) throws(FieldError) -> Bool? {
    if let (tape, member) = try tapeLeaf(key) {
      guard let member else { return nil }
      switch tape[member].kind {
      case .true: return true
      case .false: return false
      default: break
      }
    }
    return try optional(key)?.asBool()
  }

  /// For a tape value and an undotted key: the member holding `key` without making a reader for
  /// it (nil member when absent or null), so typed reads of scalars count no references. Any
  /// other case, and any value the caller cannot take as it is, goes through `optional`, which
  /// makes the same lookup again and reports errors with the reader's path.
  func tapeLeaf(_ key: String) throws(FieldError) -> (tape: JSONTape, member: Int?)? {
    guard let tape else { return nil }
    let dot = UInt8(ascii: ".")
    let dotted = key.utf8.withContiguousStorageIfAvailable { $0.contains(dot) } ?? key.utf8.contains(dot)
    if dotted { return nil }
    guard let member = try tapeChild(tape, index, key), tape[member].kind != .null else { return (tape, nil) }
    return (tape, member)
  }
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

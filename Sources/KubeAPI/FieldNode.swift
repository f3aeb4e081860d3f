// The node a FieldReader reads: a Yams node of a YAML document, a value of the block YAML fast
// path's tree or of the JSON tape; all resolve scalars to the same ScalarValue and describe themselves alike.
import Yams

/// One node of a parsed document, from either parser.
enum FieldNode {
  case yaml(Yams.Node)
  /// A value of a fast-path tree (block YAML), by index.
  case json(JSONTree, Int)
  /// A value of a JSON document, by index in its tape.
  case tape(JSONTape, Int)

  /// True for a null scalar (`null`, and in YAML `~` or empty), which Kubernetes treats as absent.
  var isNull: Bool {
    switch self {
    case .yaml(let node):
      guard case .scalar(let scalar) = node else { return false }
      return ScalarValue.isNull(scalar)
    case .json(let tree, let index):
      guard case .null = tree.values[index] else { return false }
      return true
    case .tape(let tape, let index):
      return tape[index].kind == .null
    }
  }

  /// The resolved scalar; nil for lists and maps. JSON numbers follow the YAML plain grammar.
  var scalarValue: ScalarValue? {
    switch self {
    case .yaml(let node):
      guard case .scalar(let scalar) = node else { return nil }
      return ScalarValue(scalar)
    case .json(let tree, let index):
      switch tree.values[index] {
      case .null: return .null
      case .bool(let value): return .bool(value)
      case .number(let text): return tree.plainScalarsAreYAML ? ScalarValue.resolvePlainYAML(text) : ScalarValue.resolvePlain(text)
      case .string(let text): return .string(text)
      case .array, .object: return nil
      }
    case .tape(let tape, let index):
      switch tape[index].kind {
      case .null: return .null
      case .false: return .bool(false)
      case .true: return .bool(true)
      case .number: return ScalarValue.resolvePlain(tape.numberText(index))
      case .string: return .string(tape.string(index))
      case .array, .object: return nil
      }
    }
  }

  /// True for a list (a YAML sequence or a JSON array).
  var isList: Bool {
    switch self {
    case .yaml(let node):
      guard case .sequence = node else { return false }
      return true
    case .json(let tree, let index):
      guard case .array = tree.values[index] else { return false }
      return true
    case .tape(let tape, let index):
      return tape[index].kind == .array
    }
  }

  /// The text of a YAML plain scalar (from Yams or the YAML fast path); nil for anything else.
  var plainYAMLText: String? {
    switch self {
    case .yaml(let node): return node.scalar?.string
    case .json(let tree, let index):
      guard tree.plainScalarsAreYAML, case .number(let text) = tree.values[index] else { return nil }
      return text
    case .tape: return nil
    }
  }

  /// How this node is named in "got X" messages.
  var described: String {
    if let scalar = scalarValue { return scalar.described }
    return isList ? "a list" : "a map"
  }
}

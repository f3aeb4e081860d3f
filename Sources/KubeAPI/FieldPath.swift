// A field path kept as a chain of steps and spelled out only when an error needs it, so walking
// a document does not format a path string for every field it reads.

/// The path of a FieldReader's node, e.g. `spec.ports[1].port`; the root has no parent.
final class FieldPath {
  /// The last step from the parent node.
  enum Step {
    /// The document root.
    case none
    /// A map field: `parent.key`.
    case key(String)
    /// A list element: `parent[index]`.
    case index(Int)
    /// A map entry read by `entries()`: `parent["key"]`.
    case entry(String)
    /// A path spelled out already (a JSON tape value's); the root of a chain.
    case spelled(String)
  }

  let parent: FieldPath?
  let step: Step

  init(parent: FieldPath?, step: Step) {
    self.parent = parent
    self.step = step
  }

  static func root() -> FieldPath { FieldPath(parent: nil, step: .none) }

  var text: String {
    let parentText = parent?.text ?? ""
    switch step {
    case .none: return parentText
    case .key(let key): return Self.keyPath(parentText, key)
    case .index(let index): return "\(parentText)[\(index)]"
    case .entry(let key): return "\(parentText)[\(quoted(key))]"
    case .spelled(let text): return parentText + text
    }
  }

  /// `parent.key`, or `key` at the root.
  static func keyPath(_ parent: String, _ key: String) -> String { parent.isEmpty ? key : "\(parent).\(key)" }
}

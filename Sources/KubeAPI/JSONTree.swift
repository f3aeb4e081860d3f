// The compact tree the JSON and YAML fast paths build: every value in one flat array, containers
// pointing at their elements or members by index, numbers (and YAML plain scalars) kept as text.

/// One JSON value; a container refers to a range of its tree's `elements` or `members`.
enum JSONValue {
  case null
  case bool(Bool)
  /// The number as written; resolved through ScalarValue's grammar when read. In a tree of the
  /// YAML fast path (`plainScalarsAreYAML`), a YAML plain scalar other than null, as written.
  case number(String)
  case string(String)
  /// `elements[first..<first + count]`.
  case array(first: Int, count: Int)
  /// `members[first..<first + count]`, in document order (duplicate keys kept).
  case object(first: Int, count: Int)
}

/// One `"key": value` of an object.
struct JSONMember {
  let key: String
  /// Index in `JSONTree.values`.
  let value: Int
}

/// A parsed JSON document; the root is `values[0]`.
final class JSONTree {
  let values: [JSONValue]
  /// The value indices of all arrays' elements.
  let elements: [Int]
  /// The members of all objects.
  let members: [JSONMember]
  /// True for a tree of the YAML fast path: its `number`s are YAML plain scalars, resolved as
  /// YAML 1.1 (`ScalarValue.resolvePlainYAML`), as Yams' plain scalars are.
  let plainScalarsAreYAML: Bool

  init(values: [JSONValue], elements: [Int], members: [JSONMember], plainScalarsAreYAML: Bool = false) {
    self.values = values
    self.elements = elements
    self.members = members
    self.plainScalarsAreYAML = plainScalarsAreYAML
  }
}

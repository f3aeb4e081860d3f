// The compact tree the JSON fast path builds: every value in one flat array, containers pointing
// at their elements or members by index, numbers kept as their text.

/// One JSON value; a container refers to a range of its tree's `elements` or `members`.
enum JSONValue {
  case null
  case bool(Bool)
  /// The number as written; resolved through ScalarValue's grammar when read.
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

  init(values: [JSONValue], elements: [Int], members: [JSONMember]) {
    self.values = values
    self.elements = elements
    self.members = members
  }
}

// A strict RFC 8259 JSON parser (UTF-8 bytes in, a JSONTree out) for the manifest fast path;
// iterative, so nesting is bounded by NestingDepthBound.limit rather than by the stack.

/// Parses one JSON text; any deviation from RFC 8259 fails, and the caller falls back to YAML.
struct JSONParser {
  struct Failure: Error {}

  /// A container whose closing bracket has not been read yet.
  private struct OpenContainer {
    let value: Int
    let isObject: Bool
    /// Where this container's children start in `pendingElements` or `pendingMembers`.
    let pendingStart: Int
    /// The key of the member being read (objects only).
    var key = ""
  }

  var scanner: JSONScanner
  private var values: [JSONValue] = []
  private var elements: [Int] = []
  private var members: [JSONMember] = []
  private var pendingElements: [Int] = []
  private var pendingMembers: [JSONMember] = []
  private var open: [OpenContainer] = []

  /// The tree of `bytes[start...]`, or nil when they are not exactly one JSON value (white space around it allowed).
  static func parse(_ bytes: [UInt8], from start: Int = 0) -> JSONTree? {
    var parser = JSONParser(scanner: JSONScanner(bytes: bytes, from: start))
    do {
      try parser.parseText()
    } catch {
      return nil
    }
    return JSONTree(values: parser.values, elements: parser.elements, members: parser.members)
  }

  private mutating func parseText() throws(Failure) {
    while true {
      guard var completed = try startValue() else { continue }
      // Attach the completed value to its container; close containers while the text says so.
      while true {
        guard let top = open.last else {
          scanner.skipWhitespace()
          guard scanner.atEnd else { throw Failure() }
          return
        }
        if top.isObject {
          pendingMembers.append(JSONMember(key: top.key, value: completed))
        } else {
          pendingElements.append(completed)
        }
        scanner.skipWhitespace()
        let byte = try scanner.next()
        if byte == UInt8(ascii: ",") {
          if top.isObject { try readKey() }
          break
        }
        guard byte == (top.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else { throw Failure() }
        completed = close()
      }
    }
  }

  /// Reads the start of a value: a scalar or an empty container is complete (its index is
  /// returned); a non-empty container is left open (nil).
  private mutating func startValue() throws(Failure) -> Int? {
    scanner.skipWhitespace()
    let byte = try scanner.peek()
    switch byte {
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      guard open.count < NestingDepthBound.limit else { throw Failure() }
      let isObject = byte == UInt8(ascii: "{")
      scanner.advance()
      values.append(.null)
      open.append(
        OpenContainer(value: values.count - 1, isObject: isObject, pendingStart: isObject ? pendingMembers.count : pendingElements.count))
      scanner.skipWhitespace()
      if try scanner.peek() == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
        scanner.advance()
        return close()
      }
      if isObject { try readKey(afterWhitespace: true) }
      return nil
    case UInt8(ascii: "\""):
      values.append(.string(try scanner.string()))
    case UInt8(ascii: "t"):
      try scanner.literal("true")
      values.append(.bool(true))
    case UInt8(ascii: "f"):
      try scanner.literal("false")
      values.append(.bool(false))
    case UInt8(ascii: "n"):
      try scanner.literal("null")
      values.append(.null)
    default:
      values.append(.number(try scanner.number()))
    }
    return values.count - 1
  }

  /// Reads `"key" :` of the innermost (object) container.
  private mutating func readKey(afterWhitespace: Bool = false) throws(Failure) {
    if !afterWhitespace { scanner.skipWhitespace() }
    guard try scanner.peek() == UInt8(ascii: "\"") else { throw Failure() }
    open[open.count - 1].key = try scanner.string()
    scanner.skipWhitespace()
    guard try scanner.next() == UInt8(ascii: ":") else { throw Failure() }
  }

  /// Closes the innermost container, moving its children into the tree; returns its index.
  private mutating func close() -> Int {
    let container = open.removeLast()
    if container.isObject {
      let first = members.count
      members.append(contentsOf: pendingMembers[container.pendingStart...])
      pendingMembers.removeSubrange(container.pendingStart...)
      values[container.value] = .object(first: first, count: members.count - first)
    } else {
      let first = elements.count
      elements.append(contentsOf: pendingElements[container.pendingStart...])
      pendingElements.removeSubrange(container.pendingStart...)
      values[container.value] = .array(first: first, count: elements.count - first)
    }
    return container.value
  }
}

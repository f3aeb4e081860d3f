// A strict RFC 8259 JSON parser (UTF-8 bytes in, JSONTrees out) for the manifest fast path: one
// value, or a stream of them (kubectl's concatenated JSON / NDJSON); iterative, so nesting is
// bounded by NestingDepthBound.limit rather than by the stack. Failures say where and why.

/// Parses JSON text; any deviation from RFC 8259 fails, and the caller may try YAML instead.
struct JSONParser {
  /// Where (a byte offset in the parsed bytes) and why the text is not JSON.
  struct Failure: Error, Equatable {
    var offset: Int
    var reason: String
  }

  /// A failed stream: the complete values before the one that failed, and the failure.
  struct StreamFailure: Error {
    var parsedValues: Int
    var failure: Failure
  }

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
    guard case .success(let trees) = parseStream(bytes, from: start), trees.count == 1 else { return nil }
    return trees[0]
  }

  /// The trees of `bytes[start...]`: one or more JSON values separated by white space (as
  /// kubectl reads a JSON stream); every value after the first must be an object or an array.
  static func parseStream(_ bytes: [UInt8], from start: Int = 0) -> Result<[JSONTree], StreamFailure> {
    var scanner = JSONScanner(bytes: bytes, from: start)
    var trees: [JSONTree] = []
    repeat {
      if !trees.isEmpty {
        let byte = bytes[scanner.offset]
        guard byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") else {
          // Trailing garbage belongs to the value before it.
          let reason = "unexpected \(describe(byte)) after the end of a JSON value (another object, or nothing, expected)"
          return .failure(StreamFailure(parsedValues: trees.count - 1, failure: scanner.failure(reason)))
        }
      }
      var parser = JSONParser(scanner: scanner)
      do {
        try parser.parseValue()
      } catch {
        return .failure(StreamFailure(parsedValues: trees.count, failure: error))
      }
      trees.append(JSONTree(values: parser.values, elements: parser.elements, members: parser.members))
      scanner = parser.scanner
      scanner.skipWhitespace()
    } while !scanner.atEnd
    return .success(trees)
  }

  /// A byte as named in failure reasons: `"x"`, or its code when it is not printable ASCII.
  static func describe(_ byte: UInt8) -> String {
    (0x21...0x7E).contains(byte) ? quoted(String(UnicodeScalar(byte))) : "byte 0x" + String(byte, radix: 16, uppercase: true)
  }

  /// Reads one value (and the white space before it); stops right after it.
  private mutating func parseValue() throws(Failure) {
    while true {
      guard var completed = try startValue() else { continue }
      // Attach the completed value to its container; close containers while the text says so.
      while true {
        guard let top = open.last else { return }
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
        guard byte == (top.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
          let expected = top.isObject ? "',' or '}' after an object member" : "',' or ']' after an array element"
          throw scanner.failure("expected \(expected), found \(Self.describe(byte))", at: scanner.offset - 1)
        }
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
      guard open.count < NestingDepthBound.limit else {
        throw scanner.failure("nested more than \(NestingDepthBound.limit) levels deep")
      }
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
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      values.append(.number(try scanner.number()))
    case UInt8(ascii: "/"):
      throw scanner.failure("comments are not allowed in JSON")
    default:
      throw scanner.failure("unexpected \(Self.describe(byte)) (a value expected)")
    }
    return values.count - 1
  }

  /// Reads `"key" :` of the innermost (object) container.
  private mutating func readKey(afterWhitespace: Bool = false) throws(Failure) {
    if !afterWhitespace { scanner.skipWhitespace() }
    let byte = try scanner.peek()
    guard byte == UInt8(ascii: "\"") else {
      if byte == UInt8(ascii: "/") { throw scanner.failure("comments are not allowed in JSON") }
      throw scanner.failure("expected a double-quoted key, found \(Self.describe(byte))")
    }
    open[open.count - 1].key = try scanner.string()
    scanner.skipWhitespace()
    let colon = try scanner.peek()
    guard colon == UInt8(ascii: ":") else { throw scanner.failure("expected ':' after a key, found \(Self.describe(colon))") }
    scanner.advance()
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

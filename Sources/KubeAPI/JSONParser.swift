// A strict RFC 8259 JSON parser (UTF-8 bytes in, a JSONTape out) for the manifest fast path: one
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
    let entry: Int
    let isObject: Bool
    var count = 0
  }

  /// The key of the member being read: its range and whether it is in `unescaped`.
  private struct PendingKey {
    var start = 0
    var length = 0
    var escaped = false
  }

  var scanner: JSONScanner
  private var entries: [TapeEntry] = []
  private var unescaped: [UInt8] = []
  private var open: [OpenContainer] = []
  private var key = PendingKey()
  /// The most containers open at once.
  private var deepest = 0

  /// The tape of `bytes[start...]`, or nil when they are not exactly one JSON value (white space around it allowed).
  static func parse(_ bytes: [UInt8], from start: Int = 0) -> JSONTape? {
    guard case .success(let tape) = parseStream(bytes, from: start), tape.roots.count == 1 else { return nil }
    return tape
  }

  /// The tape of `bytes[start...]`: one or more JSON values separated by white space (as kubectl
  /// reads a JSON stream), each a root of the tape; every value after the first must be an object
  /// or an array.
  static func parseStream(_ bytes: [UInt8], from start: Int = 0) -> Result<JSONTape, StreamFailure> {
    // Tape ranges are 32-bit; documents are limited to far less (ManifestLimits).
    guard bytes.count <= Int(Int32.max) else {
      return .failure(StreamFailure(parsedValues: 0, failure: Failure(offset: start, reason: "text too large for JSON")))
    }
    var parser = JSONParser(scanner: JSONScanner(bytes: bytes, from: start))
    // Roughly one value per 12 bytes of Kubernetes JSON; reserving avoids most regrowth.
    parser.entries.reserveCapacity(bytes.count / 12 + 16)
    var roots: [Int] = []
    repeat {
      if !roots.isEmpty {
        let byte = bytes[parser.scanner.offset]
        guard byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") else {
          // Trailing garbage belongs to the value before it.
          let reason = "unexpected \(describe(byte)) after the end of a JSON value (another object, or nothing, expected)"
          return .failure(StreamFailure(parsedValues: roots.count - 1, failure: parser.scanner.failure(reason)))
        }
      }
      roots.append(parser.entries.count)
      do {
        try parser.parseValue()
      } catch {
        return .failure(StreamFailure(parsedValues: roots.count - 1, failure: error))
      }
      parser.scanner.skipWhitespace()
    } while !parser.scanner.atEnd
    return .success(
      JSONTape(
        entries: parser.entries, bytes: bytes, unescaped: parser.unescaped, roots: roots,
        budget: WalkBudget(documentBytes: bytes.count),
        depthEstimateBound: 2 * parser.scanner.widestIndent + 3 + parser.deepest))
  }

  /// A byte as named in failure reasons: `"x"`, or its code when it is not printable ASCII.
  static func describe(_ byte: UInt8) -> String {
    (0x21...0x7E).contains(byte) ? quoted(String(UnicodeScalar(byte))) : "byte 0x" + String(byte, radix: 16, uppercase: true)
  }

  /// Reads one value (and the white space before it); stops right after it.
  private mutating func parseValue() throws(Failure) {
    while true {
      guard try startValue() else { continue }
      // Count the completed value in its container; close containers while the text says so.
      while true {
        guard !open.isEmpty else { return }
        open[open.count - 1].count += 1
        let isObject = open[open.count - 1].isObject
        scanner.skipWhitespace()
        let byte = try scanner.next()
        if byte == UInt8(ascii: ",") {
          if isObject { try readKey() }
          break
        }
        guard byte == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) else {
          let expected = isObject ? "',' or '}' after an object member" : "',' or ']' after an array element"
          throw scanner.failure("expected \(expected), found \(Self.describe(byte))", at: scanner.offset - 1)
        }
        close()
      }
    }
  }

  /// Appends the entry of a value that starts here, with the pending key when it is an object member.
  private mutating func append(_ kind: TapeEntry.Kind, start: Int = 0, length: Int = 0, escaped: Bool = false) {
    let inObject = open.last?.isObject == true
    entries.append(
      TapeEntry(
        kind: kind, keyUnescaped: inObject && key.escaped, valueUnescaped: escaped,
        keyStart: inObject ? Int32(truncatingIfNeeded: key.start) : 0, keyLength: inObject ? Int32(truncatingIfNeeded: key.length) : 0,
        start: Int32(truncatingIfNeeded: start), length: Int32(truncatingIfNeeded: length),
        next: Int32(truncatingIfNeeded: entries.count + 1)))
  }

  /// Reads the start of a value: a scalar or an empty container is complete (true); a non-empty
  /// container is left open (false).
  private mutating func startValue() throws(Failure) -> Bool {
    scanner.skipWhitespace()
    let byte = try scanner.peek()
    switch byte {
    case UInt8(ascii: "{"), UInt8(ascii: "["):
      guard open.count < NestingDepthBound.limit else {
        throw scanner.failure("nested more than \(NestingDepthBound.limit) levels deep")
      }
      let isObject = byte == UInt8(ascii: "{")
      scanner.advance()
      append(isObject ? .object : .array)
      open.append(OpenContainer(entry: entries.count - 1, isObject: isObject))
      deepest = max(deepest, open.count)
      scanner.skipWhitespace()
      if try scanner.peek() == (isObject ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
        scanner.advance()
        close()
        return true
      }
      if isObject { try readKey(afterWhitespace: true) }
      return false
    case UInt8(ascii: "\""):
      let (start, length, escaped) = try scanner.string(unescaped: &unescaped)
      append(.string, start: start, length: length, escaped: escaped)
    case UInt8(ascii: "t"):
      try scanner.literal("true")
      append(.true)
    case UInt8(ascii: "f"):
      try scanner.literal("false")
      append(.false)
    case UInt8(ascii: "n"):
      try scanner.literal("null")
      append(.null)
    case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
      let start = try scanner.number()
      append(.number, start: start, length: scanner.offset - start)
    case UInt8(ascii: "/"):
      throw scanner.failure("comments are not allowed in JSON")
    default:
      throw scanner.failure("unexpected \(Self.describe(byte)) (a value expected)")
    }
    return true
  }

  /// Reads `"key" :` of the innermost (object) container.
  private mutating func readKey(afterWhitespace: Bool = false) throws(Failure) {
    if !afterWhitespace { scanner.skipWhitespace() }
    let byte = try scanner.peek()
    guard byte == UInt8(ascii: "\"") else {
      if byte == UInt8(ascii: "/") { throw scanner.failure("comments are not allowed in JSON") }
      throw scanner.failure("expected a double-quoted key, found \(Self.describe(byte))")
    }
    let (start, length, escaped) = try scanner.string(unescaped: &unescaped)
    key = PendingKey(start: start, length: length, escaped: escaped)
    scanner.skipWhitespace()
    let colon = try scanner.peek()
    guard colon == UInt8(ascii: ":") else { throw scanner.failure("expected ':' after a key, found \(Self.describe(colon))") }
    scanner.advance()
  }

  /// Closes the innermost container: records its child count and where its value ends.
  private mutating func close() {
    let container = open.removeLast()
    entries[container.entry].start = Int32(truncatingIfNeeded: container.count)
    entries[container.entry].next = Int32(truncatingIfNeeded: entries.count)
  }
}

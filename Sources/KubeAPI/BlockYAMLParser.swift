// The YAML fast path: parses the block-style YAML that kubectl, helm and `yaml.safe_dump` write
// into a flat tree (as the JSON fast path does), and returns nil for anything else, which Yams reads.

/// A strict subset of YAML: block mappings and sequences (indentless sequences too), one-line
/// plain, single- and double-quoted (no escapes) scalars, one-line flow collections, comments and
/// a leading `---` line, in printable ASCII. Whatever it does not know (anchors, aliases, tags,
/// merge keys, block scalars, multi-line scalars, flow collections, tabs, non-ASCII, any error)
/// makes it give up (nil), so that Yams decides with today's semantics and messages.
struct BlockYAMLParser {
  /// A line that holds content (not blank, not only a comment).
  private struct Line {
    /// Offset of the line's first byte.
    let start: Int
    /// Offset of the line's end (its newline, or the end of the text).
    let end: Int
    /// Number of leading spaces.
    let indent: Int
  }

  private struct GiveUp: Error {}

  private let bytes: [UInt8]
  private var lines: [Line] = []
  /// The content line being read.
  private var line = 0
  private var values: [JSONValue] = []
  private var elements: [Int] = []
  private var members: [JSONMember] = []
  private var depth = 0

  private init(bytes: [UInt8]) { self.bytes = bytes }

  /// The tree of a document whose root is a block mapping or sequence; nil when the text is
  /// outside the subset (or not YAML at all).
  static func parse(_ bytes: [UInt8]) -> JSONTree? {
    var parser = BlockYAMLParser(bytes: bytes)
    do {
      try parser.splitLines()
      guard !parser.lines.isEmpty else { return nil }
      let first = parser.lines[0]
      // The root is the first value appended, index 0 as JSONTree expects.
      let root = try parser.block(column: first.indent, at: first.start + first.indent)
      guard root == 0, parser.line == parser.lines.count else { return nil }
      return JSONTree(values: parser.values, elements: parser.elements, members: parser.members, plainScalarsAreYAML: true)
    } catch {
      return nil
    }
  }

  // MARK: Lines

  /// Collects the content lines; gives up on bytes outside printable ASCII and line feeds, and
  /// on a first line that is a `---` with content after it.
  private mutating func splitLines() throws(GiveUp) {
    var start = 0
    var isFirst = true
    while start < bytes.count {
      var end = start
      while end < bytes.count && bytes[end] != Self.newline {
        guard bytes[end] >= 0x20 && bytes[end] <= 0x7E else { throw GiveUp() }
        end += 1
      }
      var indent = 0
      while start + indent < end && bytes[start + indent] == Self.space { indent += 1 }
      let content = start + indent
      if content < end && bytes[content] != Self.hash {
        if isFirst && indent == 0 && end - start >= 3 && bytes[start] == Self.dash && bytes[start + 1] == Self.dash
          && bytes[start + 2] == Self.dash && (end - start == 3 || bytes[start + 3] == Self.space)
        {
          // The document's `---` marker: only blanks or a comment may follow it.
          guard restIsBlankOrComment(from: start + 3, to: end) else { throw GiveUp() }
        } else {
          lines.append(Line(start: start, end: end, indent: indent))
        }
        isFirst = false
      }
      start = end + 1
    }
  }

  /// True when `bytes[from..<to]` is spaces, optionally followed by a comment after a space.
  private func restIsBlankOrComment(from: Int, to end: Int) -> Bool {
    var index = from
    while index < end && bytes[index] == Self.space { index += 1 }
    return index == end || (bytes[index] == Self.hash && index > from)
  }

  // MARK: Blocks

  /// Reads the block node starting at `offset` on the current line, at `column`; returns its index.
  private mutating func block(column: Int, at offset: Int) throws(GiveUp) -> Int {
    depth += 1
    defer { depth -= 1 }
    // Deeper documents (rare) are left to Yams; this keeps the recursion small on any thread's stack.
    guard depth <= Self.maxDepth else { throw GiveUp() }
    if isSequenceEntry(at: offset, end: lines[line].end) { return try sequence(column: column, at: offset) }
    if try key(at: offset) != nil { return try mapping(column: column, at: offset) }
    throw GiveUp()
  }

  /// `-` followed by a space or the end of the line.
  private func isSequenceEntry(at offset: Int, end: Int) -> Bool {
    bytes[offset] == Self.dash && (offset + 1 == end || bytes[offset + 1] == Self.space)
  }

  /// A block sequence whose entries start at `column`, the first one at `offset`.
  private mutating func sequence(column: Int, at offset: Int) throws(GiveUp) -> Int {
    let index = appendPlaceholder()
    var items: [Int] = []
    var entry = offset
    while true {
      let current = lines[line]
      var content = entry + 1
      while content < current.end && bytes[content] == Self.space { content += 1 }
      if content == current.end || bytes[content] == Self.hash {
        guard content == current.end || content > entry + 1 else { throw GiveUp() }
        items.append(try valueOnNextLines(parentColumn: column, sameColumnSequence: false))
      } else if isSequenceEntry(at: content, end: current.end) {
        items.append(try block(column: content - current.start, at: content))
      } else if try key(at: content) != nil {
        items.append(try block(column: content - current.start, at: content))
      } else {
        items.append(try inlineScalar(at: content))
        line += 1
      }
      // The next entry is a `-` at the same column; a line indented deeper is not in the subset.
      guard line < lines.count else { break }
      let next = lines[line]
      if next.indent > column { throw GiveUp() }
      guard next.indent == column, isSequenceEntry(at: next.start + next.indent, end: next.end) else { break }
      entry = next.start + next.indent
    }
    let first = elements.count
    elements.append(contentsOf: items)
    values[index] = .array(first: first, count: items.count)
    return index
  }

  /// A block mapping whose keys start at `column`, the first one at `offset`.
  private mutating func mapping(column: Int, at offset: Int) throws(GiveUp) -> Int {
    let index = appendPlaceholder()
    var entries: [JSONMember] = []
    var start = offset
    while true {
      guard let (name, afterColon) = try key(at: start) else { throw GiveUp() }
      let current = lines[line]
      var content = afterColon
      while content < current.end && bytes[content] == Self.space { content += 1 }
      let value: Int
      if content == current.end || bytes[content] == Self.hash {
        guard content == current.end || content > afterColon else { throw GiveUp() }
        value = try valueOnNextLines(parentColumn: column, sameColumnSequence: true)
      } else {
        value = try inlineScalar(at: content)
        line += 1
      }
      entries.append(JSONMember(key: name, value: value))
      guard line < lines.count else { break }
      let next = lines[line]
      if next.indent > column { throw GiveUp() }
      guard next.indent == column else { break }
      // A line at this column that is not a key (a stray `-`, a scalar) is not in the subset.
      start = next.start + next.indent
    }
    let first = members.count
    members.append(contentsOf: entries)
    values[index] = .object(first: first, count: entries.count)
    return index
  }

  /// The value of an entry with nothing after its indicator: the block on the next lines when
  /// they are indented deeper (or, for a mapping value, a `-` sequence at the key's column); else null.
  private mutating func valueOnNextLines(parentColumn: Int, sameColumnSequence: Bool) throws(GiveUp) -> Int {
    line += 1
    if line < lines.count {
      let next = lines[line]
      let offset = next.start + next.indent
      if next.indent > parentColumn || (sameColumnSequence && next.indent == parentColumn && isSequenceEntry(at: offset, end: next.end)) {
        return try block(column: next.indent, at: offset)
      }
    }
    values.append(.null)
    return values.count - 1
  }

  private mutating func appendPlaceholder() -> Int {
    values.append(.null)
    return values.count - 1
  }

  // MARK: Keys and scalars

  /// The key at `offset` and the offset after its `:`; nil when the line there is not a
  /// `key:` followed by a space or the end of the line. Gives up on keys outside the subset
  /// (merge keys, keys that YAML 1.1 reads as something else than a string, complex keys).
  private func key(at offset: Int) throws(GiveUp) -> (String, Int)? {
    let end = lines[line].end
    let byte = bytes[offset]
    if byte == Self.doubleQuote || byte == Self.singleQuote {
      let (text, after) = try quoted(at: offset, end: end)
      guard after - offset <= Self.maxKeyBytes else { throw GiveUp() }
      guard after < end && bytes[after] == Self.colon else { return nil }
      guard after + 1 == end || bytes[after + 1] == Self.space else { throw GiveUp() }
      return (text, after + 1)
    }
    guard Self.canStartPlain(bytes, offset, end) else { return nil }
    var index = offset
    while index < end {
      let current = bytes[index]
      if current == Self.colon && (index + 1 == end || bytes[index + 1] == Self.space) { break }
      if current == Self.hash && bytes[index - 1] == Self.space { return nil }
      index += 1
    }
    guard index < end else { return nil }
    // `key :` and keys that do not read as strings are left to Yams.
    guard bytes[index - 1] != Self.space, index - offset <= Self.maxKeyBytes else { throw GiveUp() }
    let text = String(decoding: bytes[offset..<index], as: UTF8.self)
    guard text != "<<", Self.plainKeyIsString(text, first: byte) else { throw GiveUp() }
    return (text, index + 1)
  }

  /// True when a plain key reads as a string. A word of more than five bytes that starts with a
  /// letter other than `e` is one (YAML 1.1's null and boolean words have at most five; numbers
  /// start with a digit, a sign, a dot or an exponent); others are resolved in full.
  private static func plainKeyIsString(_ text: String, first: UInt8) -> Bool {
    let lower = first | 0x20
    if lower >= UInt8(ascii: "a") && lower <= UInt8(ascii: "z") && lower != UInt8(ascii: "e") && text.utf8.count > 5 {
      return true
    }
    guard case .string = ScalarValue.resolvePlainYAML(text) else { return false }
    return true
  }

  /// A one-line scalar value that runs to the end of its line (or a comment); returns its index.
  private mutating func inlineScalar(at offset: Int) throws(GiveUp) -> Int {
    let end = lines[line].end
    let byte = bytes[offset]
    let value: JSONValue
    let after: Int
    switch byte {
    case Self.doubleQuote, Self.singleQuote:
      let (text, next) = try quoted(at: offset, end: end)
      value = .string(text)
      after = next
    case Self.openBrace, Self.openBracket:
      let (index, next) = try flow(at: offset, end: end)
      guard restIsBlankOrComment(from: next, to: end) else { throw GiveUp() }
      return index
    default:
      guard Self.canStartPlain(bytes, offset, end) else { throw GiveUp() }
      var index = offset
      var last = offset
      while index < end {
        let current = bytes[index]
        if current == Self.hash && bytes[index - 1] == Self.space { break }
        // `: ` or a final `:` would start a mapping where YAML allows none.
        if current == Self.colon && (index + 1 == end || bytes[index + 1] == Self.space) { throw GiveUp() }
        if current != Self.space { last = index }
        index += 1
      }
      let text = String(decoding: bytes[offset...last], as: UTF8.self)
      values.append(ScalarValue.resolvePlain(text) == .null ? .null : .number(text))
      return values.count - 1
    }
    guard restIsBlankOrComment(from: after, to: end) else { throw GiveUp() }
    values.append(value)
    return values.count - 1
  }

  // MARK: Flow collections

  /// A flow sequence or mapping that closes on its line (`[a, "b"]`, `{k: v}`, nested); returns
  /// its index and the offset after it. Its plain scalars hold no `:` or `#`; it gives up on
  /// anything else (empty entries, `? `, single-pair mappings in sequences, a missing value).
  private mutating func flow(at offset: Int, end: Int) throws(GiveUp) -> (Int, Int) {
    depth += 1
    defer { depth -= 1 }
    guard depth <= Self.maxDepth else { throw GiveUp() }
    let isMapping = bytes[offset] == Self.openBrace
    let close = isMapping ? Self.closeBrace : Self.closeBracket
    let index = appendPlaceholder()
    var items: [Int] = []
    var entries: [JSONMember] = []
    var cursor = skipSpaces(offset + 1, end)
    if cursor < end && bytes[cursor] == close {
      cursor += 1
    } else {
      while true {
        if isMapping {
          let (key, afterKey) = try flowScalar(at: cursor, end: end)
          guard case .string(let name) = key, afterKey + 1 < end, bytes[afterKey] == Self.colon, bytes[afterKey + 1] == Self.space
          else { throw GiveUp() }
          guard name != "<<" || bytes[cursor] == Self.doubleQuote || bytes[cursor] == Self.singleQuote else { throw GiveUp() }
          let (value, afterValue) = try flowValue(at: skipSpaces(afterKey + 1, end), end: end)
          entries.append(JSONMember(key: name, value: value))
          cursor = afterValue
        } else {
          let (value, afterValue) = try flowValue(at: cursor, end: end)
          items.append(value)
          cursor = afterValue
        }
        cursor = skipSpaces(cursor, end)
        guard cursor < end else { throw GiveUp() }
        if bytes[cursor] == close {
          cursor += 1
          break
        }
        guard bytes[cursor] == Self.comma else { throw GiveUp() }
        cursor = skipSpaces(cursor + 1, end)
      }
    }
    if isMapping {
      let first = members.count
      members.append(contentsOf: entries)
      values[index] = .object(first: first, count: entries.count)
    } else {
      let first = elements.count
      elements.append(contentsOf: items)
      values[index] = .array(first: first, count: items.count)
    }
    return (index, cursor)
  }

  /// A value inside a flow collection: a nested collection or a scalar; its index and the offset after it.
  private mutating func flowValue(at offset: Int, end: Int) throws(GiveUp) -> (Int, Int) {
    guard offset < end else { throw GiveUp() }
    if bytes[offset] == Self.openBrace || bytes[offset] == Self.openBracket { return try flow(at: offset, end: end) }
    let (value, after) = try flowScalar(at: offset, end: end)
    values.append(value)
    return (values.count - 1, after)
  }

  /// A quoted or plain scalar inside a flow collection, as a tree value (a plain key must read as
  /// a string: its `.string`); plain scalars end before `,`, `]`, `}` and trailing spaces.
  private func flowScalar(at offset: Int, end: Int) throws(GiveUp) -> (JSONValue, Int) {
    guard offset < end else { throw GiveUp() }
    let byte = bytes[offset]
    if byte == Self.doubleQuote || byte == Self.singleQuote {
      let (text, after) = try quoted(at: offset, end: end)
      return (.string(text), after)
    }
    guard Self.canStartPlain(bytes, offset, end) else { throw GiveUp() }
    var index = offset
    var last = offset
    while index < end {
      let current = bytes[index]
      if current == Self.comma || current == Self.closeBracket || current == Self.closeBrace { break }
      // `:` (a key or a single-pair mapping), `#` (a comment) and nested openers are left to Yams.
      if current == Self.colon {
        if index + 1 < end && bytes[index + 1] == Self.space { break }
        throw GiveUp()
      }
      if current == Self.hash || current == Self.openBrace || current == Self.openBracket { throw GiveUp() }
      if current != Self.space { last = index }
      index += 1
    }
    let text = String(decoding: bytes[offset...last], as: UTF8.self)
    let resolved = ScalarValue.resolvePlainYAML(text)
    if case .string = resolved { return (.string(text), last + 1) }
    return (resolved == .null ? .null : .number(text), last + 1)
  }

  private func skipSpaces(_ offset: Int, _ end: Int) -> Int {
    var index = offset
    while index < end && bytes[index] == Self.space { index += 1 }
    return index
  }

  /// A quoted scalar that closes on its line and has no escapes (no backslash in a double-quoted
  /// one); `''` in a single-quoted one is a quote. Returns its text and the offset after it;
  /// gives up on escapes and on a quote that does not close on its line.
  private func quoted(at offset: Int, end: Int) throws(GiveUp) -> (String, Int) {
    let quote = bytes[offset]
    var text: [UInt8] = []
    var index = offset + 1
    var plainRun = index
    while index < end {
      let byte = bytes[index]
      if byte == quote {
        if quote == Self.singleQuote && index + 1 < end && bytes[index + 1] == Self.singleQuote {
          text.append(contentsOf: bytes[plainRun...index])
          index += 2
          plainRun = index
          continue
        }
        text.append(contentsOf: bytes[plainRun..<index])
        return (String(decoding: text, as: UTF8.self), index + 1)
      }
      if byte == Self.backslash && quote == Self.doubleQuote { throw GiveUp() }
      index += 1
    }
    throw GiveUp()
  }

  /// True when a plain scalar may start at `offset`: not at an indicator, except `-` before a non-space.
  private static func canStartPlain(_ bytes: [UInt8], _ offset: Int, _ end: Int) -> Bool {
    let byte = bytes[offset]
    if byte == dash { return offset + 1 < end && bytes[offset + 1] != space }
    return !indicators.contains(byte)
  }

  /// The bytes that cannot start a plain scalar here (`-` handled apart; `?` and `:` always refused).
  private static let indicators: Set<UInt8> = Set("?:,[]{}#&*!|>'\"%@`".utf8)

  /// How deep this parser nests blocks before leaving the document to Yams.
  static let maxDepth = 64
  /// libyaml refuses implicit keys longer than this.
  private static let maxKeyBytes = 1024

  private static let newline = UInt8(ascii: "\n")
  private static let space = UInt8(ascii: " ")
  private static let hash = UInt8(ascii: "#")
  private static let dash = UInt8(ascii: "-")
  private static let colon = UInt8(ascii: ":")
  private static let comma = UInt8(ascii: ",")
  private static let openBrace = UInt8(ascii: "{")
  private static let closeBrace = UInt8(ascii: "}")
  private static let openBracket = UInt8(ascii: "[")
  private static let closeBracket = UInt8(ascii: "]")
  private static let doubleQuote = UInt8(ascii: "\"")
  private static let singleQuote = UInt8(ascii: "'")
  private static let backslash = UInt8(ascii: "\\")
}

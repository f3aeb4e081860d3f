// The byte-level tokens of JSON for JSONParser: white space, literals, numbers (validated, kept
// as byte ranges) and strings with every escape, including `\uXXXX` surrogate pairs.

/// A cursor over the UTF-8 bytes of a JSON text (valid UTF-8, as it comes from a String).
struct JSONScanner {
  typealias Failure = JSONParser.Failure

  private let bytes: [UInt8]
  private var index: Int

  /// The most spaces any line read so far starts with (NestingDepthBound measures indentation so).
  private(set) var widestIndent = 0

  init(bytes: [UInt8], from start: Int = 0) {
    self.bytes = bytes
    index = start
    var lineStart = start
    while lineStart > 0 && bytes[lineStart - 1] != 0x0A { lineStart -= 1 }
    var indentEnd = lineStart
    while indentEnd < bytes.count && bytes[indentEnd] == 0x20 { indentEnd += 1 }
    widestIndent = indentEnd - lineStart
  }

  var atEnd: Bool { index == bytes.count }

  /// The offset of the next byte.
  var offset: Int { index }

  /// A failure at `offset` (default: the next byte).
  func failure(_ reason: String, at offset: Int? = nil) -> Failure { Failure(offset: offset ?? index, reason: reason) }

  func peek() throws(Failure) -> UInt8 {
    guard index < bytes.count else { throw failure("unexpected end of input") }
    return bytes[index]
  }

  mutating func next() throws(Failure) -> UInt8 {
    let byte = try peek()
    index += 1
    return byte
  }

  mutating func advance() { index += 1 }

  /// Skips RFC 8259 white space: space, tab, line feed, carriage return.
  mutating func skipWhitespace() {
    while index < bytes.count {
      let byte = bytes[index]
      if byte == 0x20 || byte == 0x09 || byte == 0x0D {
        index += 1
      } else if byte == 0x0A {
        index += 1
        let lineStart = index
        while index < bytes.count && bytes[index] == 0x20 { index += 1 }
        widestIndent = max(widestIndent, index - lineStart)
      } else {
        return
      }
    }
  }

  static func isWhitespace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 }

  /// Reads `true`, `false` or `null` exactly.
  mutating func literal(_ word: String) throws(Failure) {
    for expected in word.utf8 {
      guard try peek() == expected else { throw failure("invalid value (expected \(word))") }
      advance()
    }
  }

  /// Reads `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?` and returns where it starts.
  mutating func number() throws(Failure) -> Int {
    let start = index
    if index < bytes.count && bytes[index] == UInt8(ascii: "-") { index += 1 }
    if index < bytes.count && bytes[index] == UInt8(ascii: "0") {
      index += 1
    } else {
      try digits()
    }
    if index < bytes.count && bytes[index] == UInt8(ascii: ".") {
      index += 1
      try digits()
    }
    if index < bytes.count && (bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E")) {
      index += 1
      if index < bytes.count && (bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-")) { index += 1 }
      try digits()
    }
    return start
  }

  /// One or more decimal digits.
  private mutating func digits() throws(Failure) {
    let start = index
    while index < bytes.count && Self.isDigit(bytes[index]) { index += 1 }
    if index == start { throw failure("invalid number (a digit must follow)") }
  }

  private static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

  /// Reads a string starting at its opening quote; control characters must be escaped. Returns
  /// the byte range of its text in `bytes`, or, when it has escapes, of its decoded text, which is
  /// appended to `unescaped`.
  mutating func string(unescaped: inout [UInt8]) throws(Failure) -> (start: Int, length: Int, escaped: Bool) {
    index += 1
    let start = index
    while index < bytes.count {
      let byte = bytes[index]
      if byte == UInt8(ascii: "\"") {
        index += 1
        return (start, index - 1 - start, false)
      }
      if byte == UInt8(ascii: "\\") { break }
      if byte < 0x20 { throw failure("control character in a string (must be escaped)") }
      index += 1
    }
    let decodedStart = unescaped.count
    unescaped.append(contentsOf: bytes[start..<index])
    try escapedRest(into: &unescaped)
    return (decodedStart, unescaped.count - decodedStart, true)
  }

  /// The rest of a string that has escapes, from the first backslash to the closing quote.
  private mutating func escapedRest(into text: inout [UInt8]) throws(Failure) {
    while true {
      let byte = try next()
      switch byte {
      case UInt8(ascii: "\""):
        return
      case UInt8(ascii: "\\"):
        let escape = try next()
        switch escape {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): text.append(escape)
        case UInt8(ascii: "b"): text.append(0x08)
        case UInt8(ascii: "f"): text.append(0x0C)
        case UInt8(ascii: "n"): text.append(0x0A)
        case UInt8(ascii: "r"): text.append(0x0D)
        case UInt8(ascii: "t"): text.append(0x09)
        case UInt8(ascii: "u"): Self.appendUTF8(try unicodeEscape(), to: &text)
        default: throw failure("invalid escape in a string", at: index - 1)
        }
      default:
        if byte < 0x20 { throw failure("control character in a string (must be escaped)", at: index - 1) }
        text.append(byte)
      }
    }
  }

  /// The scalar of a `\uXXXX` escape (after `\u`), joining a surrogate pair; lone surrogates fail.
  private mutating func unicodeEscape() throws(Failure) -> UInt32 {
    let unit = try hex4()
    switch unit {
    case 0xD800...0xDBFF:
      guard try next() == UInt8(ascii: "\\"), try next() == UInt8(ascii: "u") else {
        throw failure("lone surrogate in a \\u escape", at: index - 1)
      }
      let low = try hex4()
      guard (0xDC00...0xDFFF).contains(low) else { throw failure("lone surrogate in a \\u escape", at: index - 6) }
      return 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
    case 0xDC00...0xDFFF:
      throw failure("lone surrogate in a \\u escape", at: index - 6)
    default:
      return unit
    }
  }

  private mutating func hex4() throws(Failure) -> UInt32 {
    var value: UInt32 = 0
    for _ in 0..<4 {
      let byte = try next()
      let digit: UInt8
      switch byte {
      case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
      case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
      case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
      default: throw failure("invalid \\u escape (4 hex digits expected)", at: index - 1)
      }
      value = value << 4 | UInt32(digit)
    }
    return value
  }

  /// Appends the UTF-8 encoding of a Unicode scalar value (never a surrogate here).
  private static func appendUTF8(_ scalar: UInt32, to text: inout [UInt8]) {
    switch scalar {
    case 0..<0x80:
      text.append(UInt8(scalar))
    case 0x80..<0x800:
      text.append(UInt8(0xC0 | scalar >> 6))
      text.append(UInt8(0x80 | scalar & 0x3F))
    case 0x800..<0x10000:
      text.append(UInt8(0xE0 | scalar >> 12))
      text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      text.append(UInt8(0x80 | scalar & 0x3F))
    default:
      text.append(UInt8(0xF0 | scalar >> 18))
      text.append(UInt8(0x80 | scalar >> 12 & 0x3F))
      text.append(UInt8(0x80 | scalar >> 6 & 0x3F))
      text.append(UInt8(0x80 | scalar & 0x3F))
    }
  }
}

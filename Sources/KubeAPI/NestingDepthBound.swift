// Estimates, without parsing, an upper bound of a document's nesting depth, so documents nested
// deeper than Yams' recursive composer can survive (stack overflow) are rejected before parsing.

/// A conservative estimate of YAML/JSON nesting depth from a single pass over the bytes.
///
/// Flow collections (`[`, `{`) are counted where YAML starts a token, outside quoted strings and
/// comments; block nesting is bounded by indentation (each column adds at most two levels) plus
/// the `- `, `? ` and `: ` indicators on the line; block scalar bodies (`|`, `>`) are skipped.
/// This follows YAML's tokenisation closely enough for JSON and for YAML as people and kubectl
/// write it; contrived YAML could still mislead it, so it is a guard, not a proof.
struct NestingDepthBound {
  /// Deeper documents are rejected; kproxy's objects nest fewer than 20 levels.
  static let limit = 512

  /// The 1-based line (within `text`) where the estimate first exceeds `limit`, or nil.
  static func firstLineExceeding(_ limit: Int, in text: Substring) -> Int? {
    firstLineExceeding(limit, in: Array(text.utf8))
  }

  /// The same for the UTF-8 bytes of the text.
  static func firstLineExceeding(_ limit: Int, in bytes: [UInt8]) -> Int? {
    var scanner = NestingDepthBound(bytes: bytes)
    return scanner.scan(limit: limit)
  }

  /// The largest estimate anywhere in `text` (for tests).
  static func estimate(in text: Substring) -> Int {
    var scanner = NestingDepthBound(bytes: Array(text.utf8))
    _ = scanner.scan(limit: .max)
    return scanner.largestBound
  }

  private enum Quote { case none, single, double }
  private static let space = UInt8(ascii: " "), tab = UInt8(ascii: "\t"), newline = UInt8(ascii: "\n"), cr = UInt8(ascii: "\r")

  private let bytes: [UInt8]
  private var index = 0
  private var line = 1
  private var lineStart = 0
  private var indent = 0
  private var indicatorsOnLine = 0
  private var flowDepth = 0
  /// The block-nesting bound in effect when the outermost flow collection opened.
  private var blockBoundAtFlowStart = 0
  private var quote = Quote.none
  /// The last byte outside strings and comments that was not white space (0 at the start).
  private var previousSignificant: UInt8 = 0
  /// True right after an anchor or tag, where a node (possibly quoted) may start.
  private var afterProperty = false
  /// Column where the last scalar or `-`/`?` entry started on this line (block scalar base).
  private var lastNodeColumn = 0
  /// While set, lines indented more than this belong to a block scalar and are skipped.
  private var blockScalarBase: Int?
  private var largestBound = 0

  private init(bytes: [UInt8]) { self.bytes = bytes }

  private var blockBound: Int { 2 * indent + indicatorsOnLine + 2 }
  private var bound: Int { flowDepth > 0 ? blockBoundAtFlowStart + flowDepth : blockBound }

  private func byte(at offset: Int) -> UInt8? { offset < bytes.count ? bytes[offset] : nil }
  private static func isBlank(_ byte: UInt8?) -> Bool { byte == nil || byte == space || byte == tab || byte == newline || byte == cr }

  private var atTokenStart: Bool {
    if afterProperty { return true }
    switch previousSignificant {
    case 0, UInt8(ascii: "["), UInt8(ascii: "{"), UInt8(ascii: ","), UInt8(ascii: ":"), UInt8(ascii: "-"), UInt8(ascii: "?"): return true
    default: return false
    }
  }

  private mutating func scan(limit: Int) -> Int? {
    startLine()
    while index < bytes.count {
      let current = bytes[index]
      if current == Self.newline {
        index += 1
        line += 1
        startLine()
        continue
      }
      // Inside a double-quoted string only a backslash or a quote changes the state, and the bound
      // changes only with it or with a new line (whose first byte is measured as usual).
      if quote == .double && index != lineStart && current != UInt8(ascii: "\\") && current != UInt8(ascii: "\"") {
        index += 1
        continue
      }
      switch quote {
      case .double: scanDouble(current)
      case .single: scanSingle(current)
      case .none: scanPlain(current)
      }
      largestBound = max(largestBound, bound)
      if bound > limit { return line }
      index += 1
    }
    return nil
  }

  /// Measures the new line's indentation and skips block scalar bodies.
  private mutating func startLine() {
    while true {
      lineStart = index
      var end = index
      while end < bytes.count, bytes[end] == Self.space { end += 1 }
      indent = end - index
      indicatorsOnLine = 0
      lastNodeColumn = indent
      guard let base = blockScalarBase, quote == .none else { return }
      let blankLine = end >= bytes.count || bytes[end] == Self.newline || bytes[end] == Self.cr || bytes[end] == Self.tab
      guard blankLine || indent > base, end < bytes.count else {
        blockScalarBase = nil
        return
      }
      while end < bytes.count, bytes[end] != Self.newline { end += 1 }
      index = min(end + 1, bytes.count)
      line += 1
    }
  }

  private mutating func scanDouble(_ current: UInt8) {
    switch current {
    case UInt8(ascii: "\\"): index += 1
    case UInt8(ascii: "\""): endQuote()
    default: break
    }
  }

  private mutating func scanSingle(_ current: UInt8) {
    if current == UInt8(ascii: "'") {
      if byte(at: index + 1) == UInt8(ascii: "'") { index += 1 } else { endQuote() }
    }
  }

  private mutating func endQuote() {
    quote = .none
    previousSignificant = UInt8(ascii: "\"")
    afterProperty = false
  }

  private mutating func openFlow() {
    if flowDepth == 0 { blockBoundAtFlowStart = blockBound }
    flowDepth += 1
  }

  private mutating func scanPlain(_ current: UInt8) {
    let column = index - lineStart
    switch current {
    case Self.space, Self.tab, Self.cr:
      return
    case UInt8(ascii: "#") where index == lineStart || Self.isBlank(byte(at: index - 1)):
      while index + 1 < bytes.count, bytes[index + 1] != Self.newline { index += 1 }
      return
    case UInt8(ascii: "\""), UInt8(ascii: "'"):
      if atTokenStart {
        quote = current == UInt8(ascii: "'") ? .single : .double
        lastNodeColumn = column
        afterProperty = false
        return
      }
    case UInt8(ascii: "["), UInt8(ascii: "{"):
      if flowDepth > 0 || atTokenStart {
        openFlow()
        previousSignificant = current
        afterProperty = false
        return
      }
    case UInt8(ascii: "]"), UInt8(ascii: "}"):
      if flowDepth > 0 {
        flowDepth -= 1
        previousSignificant = current
        afterProperty = false
        return
      }
    case UInt8(ascii: ","):
      if flowDepth > 0 {
        previousSignificant = current
        afterProperty = false
        return
      }
    case UInt8(ascii: "-"), UInt8(ascii: "?"), UInt8(ascii: ":"):
      let jsonKeyEnd =
        previousSignificant == UInt8(ascii: "\"") || previousSignificant == UInt8(ascii: "]") || previousSignificant == UInt8(ascii: "}")
      if Self.isBlank(byte(at: index + 1)) || (current == UInt8(ascii: ":") && flowDepth > 0 && jsonKeyEnd) {
        if flowDepth == 0 { indicatorsOnLine += 1 }
        if current != UInt8(ascii: ":") { lastNodeColumn = column }
        previousSignificant = current
        afterProperty = false
        return
      }
    case UInt8(ascii: "|"), UInt8(ascii: ">"):
      if flowDepth == 0 && atTokenStart {
        blockScalarBase = lastNodeColumn
        while index + 1 < bytes.count, bytes[index + 1] != Self.newline { index += 1 }
        return
      }
    case UInt8(ascii: "&"), UInt8(ascii: "!"):
      if atTokenStart {
        while index + 1 < bytes.count, !Self.isBlank(bytes[index + 1]),
          ![UInt8(ascii: ","), UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "{"), UInt8(ascii: "}")].contains(bytes[index + 1])
        {
          index += 1
        }
        afterProperty = true
        return
      }
    default:
      break
    }
    // Any other byte is part of a plain scalar (or an alias).
    if atTokenStart { lastNodeColumn = column }
    previousSignificant = Self.plainByte
    afterProperty = false
  }

  /// Stands for "the last thing was plain text", after which no token can start.
  private static let plainByte = UInt8(ascii: "a")
}

// Splits manifest text into YAML documents at `---` / `...` marker lines before parsing, so
// that size limits apply per document and error line numbers can refer to the whole file.

/// One YAML document of a file (or the single JSON value of a JSON file).
struct ManifestDocument {
  /// 1-based index in the file.
  var index: Int
  /// 1-based line of the file where `text` starts.
  var firstLine: Int
  var text: Substring
}

/// How much manifest text kproxy accepts before parsing anything.
struct ManifestLimits: Sendable {
  var fileBytes: Int
  var documentBytes: Int

  /// A document fits a `kubectl get services,endpointslices -A -o json` List of a 50k-service
  /// cluster (71 MB with 10 endpoints per service; about 180k services fit); decoding takes about
  /// 10 bytes of memory per byte of text, YAML or JSON, so memory stays within a few GB.
  static let standard = ManifestLimits(fileBytes: 512 * 1024 * 1024, documentBytes: 256 * 1024 * 1024)
}

enum ManifestDocuments {
  /// Files larger than this are rejected without parsing.
  static let maxFileBytes = ManifestLimits.standard.fileBytes
  /// Documents larger than this are rejected without parsing.
  static let maxDocumentBytes = ManifestLimits.standard.documentBytes

  /// The documents of `text`, in order. Text before the first `---` counts as a document only
  /// if it holds more than blank lines, comments and directives; so does text after a `...`.
  static func split(_ text: String) -> [ManifestDocument] {
    let utf8 = text.utf8
    let bytes = utf8.span
    var documents: [ManifestDocument] = []
    var chunkStart = 0
    var chunkLine = 1
    var chunkIsExplicit = false
    var line = 1
    var lineStart = 0

    func finishChunk(at end: Int) {
      let chunk = text[utf8.index(utf8.startIndex, offsetBy: chunkStart)..<utf8.index(utf8.startIndex, offsetBy: end)]
      if chunkIsExplicit || hasContent(chunk) {
        documents.append(ManifestDocument(index: documents.count + 1, firstLine: chunkLine, text: chunk))
      }
    }

    while lineStart < bytes.count {
      var lineEnd = lineStart
      while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
      switch marker(bytes, lineStart, lineEnd) {
      case .documentStart:
        finishChunk(at: lineStart)
        chunkStart = lineStart
        chunkLine = line
        chunkIsExplicit = true
      case .documentEnd:
        let next = lineEnd < bytes.count ? lineEnd + 1 : lineEnd
        finishChunk(at: next)
        chunkStart = next
        chunkLine = line + 1
        chunkIsExplicit = false
      case nil:
        break
      }
      guard lineEnd < bytes.count else { break }
      lineStart = lineEnd + 1
      line += 1
    }
    finishChunk(at: bytes.count)
    return documents
  }

  private enum Marker { case documentStart, documentEnd }

  /// `---` or `...` at column 0 of the line `bytes[start..<end]`, alone or followed by white space.
  private static func marker(_ bytes: Span<UInt8>, _ start: Int, _ end: Int) -> Marker? {
    guard end - start >= 3 else { return nil }
    if end - start >= 4 {
      let fourth = bytes[start + 3]
      if fourth != UInt8(ascii: " ") && fourth != UInt8(ascii: "\t") && fourth != UInt8(ascii: "\r") { return nil }
    }
    let first = bytes[start]
    guard first == UInt8(ascii: "-") || first == UInt8(ascii: "."), bytes[start + 1] == first, bytes[start + 2] == first else { return nil }
    return first == UInt8(ascii: "-") ? .documentStart : .documentEnd
  }

  /// True if the text has a line that is not blank, a comment or a directive.
  static func hasContent(_ text: Substring) -> Bool {
    var atLineStart = true
    var inLine = false
    for byte in text.utf8 {
      if byte == UInt8(ascii: "\n") {
        atLineStart = true
        inLine = false
        continue
      }
      if inLine { continue }
      if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r") {
        atLineStart = false
        continue
      }
      let isDirective = atLineStart && byte == UInt8(ascii: "%")
      if byte != UInt8(ascii: "#") && !isDirective { return true }
      // A comment or directive: skip the rest of the line.
      inLine = true
    }
    return false
  }
}

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
    let bytes = text.utf8
    var documents: [ManifestDocument] = []
    var chunkStart = bytes.startIndex
    var chunkLine = 1
    var chunkIsExplicit = false
    var line = 1
    var lineStart = bytes.startIndex

    func finishChunk(at end: String.UTF8View.Index) {
      let chunk = text[chunkStart..<end]
      if chunkIsExplicit || hasContent(chunk) {
        documents.append(ManifestDocument(index: documents.count + 1, firstLine: chunkLine, text: chunk))
      }
    }

    while lineStart < bytes.endIndex {
      let lineEnd = bytes[lineStart...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
      switch marker(bytes[lineStart..<lineEnd]) {
      case .documentStart:
        finishChunk(at: lineStart)
        chunkStart = lineStart
        chunkLine = line
        chunkIsExplicit = true
      case .documentEnd:
        let next = lineEnd < bytes.endIndex ? bytes.index(after: lineEnd) : lineEnd
        finishChunk(at: next)
        chunkStart = next
        chunkLine = line + 1
        chunkIsExplicit = false
      case nil:
        break
      }
      guard lineEnd < bytes.endIndex else { break }
      lineStart = bytes.index(after: lineEnd)
      line += 1
    }
    finishChunk(at: bytes.endIndex)
    return documents
  }

  private enum Marker { case documentStart, documentEnd }

  /// `---` or `...` at column 0, alone or followed by white space.
  private static func marker(_ line: Substring.UTF8View) -> Marker? {
    guard line.count >= 3 else { return nil }
    let head = Array(line.prefix(4))
    if head.count == 4 && head[3] != UInt8(ascii: " ") && head[3] != UInt8(ascii: "\t") && head[3] != UInt8(ascii: "\r") {
      return nil
    }
    if head[0...2] == [45, 45, 45] { return .documentStart }
    if head[0...2] == [46, 46, 46] { return .documentEnd }
    return nil
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

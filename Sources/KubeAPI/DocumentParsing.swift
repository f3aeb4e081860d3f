// Parses one document's text as kubectl's YAMLOrJSONDecoder does: text that starts with `{` or
// `[` is a JSON stream (one or more values), else, or when its first value is not JSON, YAML
// (block-style YAML through BlockYAMLParser when it can, else Yams).
import Yams

extension DocumentContext {
  /// Parses one document: the roots of its values (several for a JSON stream); empty when the
  /// document is empty. When text that starts like JSON is neither JSON nor YAML, the JSON error
  /// is reported, as kubectl does ("when in doubt, the error from the JSON decoder").
  func parse(_ document: ManifestDocument) throws(ManifestError) -> [FieldReader] {
    let size = document.text.utf8.count
    if size > limits.documentBytes {
      throw ManifestError(
        file: file, document: self.document,
        message: "document is \(size) bytes, more than the limit of \(limits.documentBytes / 1024 / 1024) MiB")
    }
    let bytes = document.text.utf8.withContiguousStorageIfAvailable(Array.init) ?? Array(document.text.utf8)
    var jsonFailure: JSONParser.StreamFailure?
    var jsonTape: JSONTape?
    if let start = Self.jsonStart(bytes) {
      switch JSONParser.parseStream(bytes, from: start) {
      case .success(let tape): jsonTape = tape
      case .failure(let failure): jsonFailure = failure
      }
    }
    // One JSON value bounds the depth estimate without a scan (JSONTape.depthEstimateBound).
    let boundedByJSON = jsonTape.map { $0.roots.count == 1 && $0.depthEstimateBound <= NestingDepthBound.limit } ?? false
    if !boundedByJSON, let line = NestingDepthBound.firstLineExceeding(NestingDepthBound.limit, in: bytes) {
      throw ManifestError(
        file: file, document: self.document,
        message: "document nests more than \(NestingDepthBound.limit) levels deep at line \(document.firstLine + line - 1)")
    }
    if let jsonTape { return jsonTape.roots.map { FieldReader(tape: jsonTape, index: $0) } }
    if jsonFailure == nil, blockYAMLFastPath, let tree = BlockYAMLParser.parse(bytes) {
      return [FieldReader(node: .json(tree, 0), budget: WalkBudget(documentBytes: size))]
    }
    // Not JSON after all (YAML flow style, or invalid), or YAML outside the fast path's subset: Yams decides.
    var text = String(document.text)
    if jsonFailure != nil, bytes.contains(UInt8(ascii: "\t")) {
      // JSON allows tabs between tokens where YAML does not; raw tabs cannot occur inside JSON strings.
      text = String(decoding: text.utf8.map { $0 == UInt8(ascii: "\t") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
    let node: Yams.Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      if let jsonFailure { throw jsonError(jsonFailure, bytes: bytes, firstLine: document.firstLine) }
      throw ManifestError(file: file, document: self.document, message: YAMLSyntaxError.message(error, firstLine: document.firstLine))
    }
    guard let node else { return [] }
    let reader: FieldReader
    do {
      reader = try FieldReader(node: .yaml(node), budget: WalkBudget(documentBytes: size)).resolvingMerges()
    } catch {
      throw self.error(error)
    }
    return reader.isNull ? [] : [reader]
  }

  /// The JSON values of a whole text that is JSON (after white space, `{` or `[`), parsed
  /// without splitting it into documents first: a line starting with `---` or `...` (a document
  /// marker) cannot occur inside JSON, so the split would give one document, this text, and
  /// `parse` this tape. nil for any other text, and for JSON that `parse` would refuse (too
  /// large, nested too deep), which then take the usual way.
  static func wholeTextJSON(_ text: String, limits: ManifestLimits) -> JSONTape? {
    let size = text.utf8.count
    guard size <= limits.documentBytes, let first = text.utf8.first(where: { !JSONScanner.isWhitespace($0) }),
      first == UInt8(ascii: "{") || first == UInt8(ascii: "[")
    else { return nil }
    let bytes = text.utf8.withContiguousStorageIfAvailable(Array.init) ?? Array(text.utf8)
    guard case .success(let tape) = JSONParser.parseStream(bytes) else { return nil }
    let boundedByJSON = tape.roots.count == 1 && tape.depthEstimateBound <= NestingDepthBound.limit
    guard boundedByJSON || NestingDepthBound.firstLineExceeding(NestingDepthBound.limit, in: bytes) == nil else { return nil }
    return tape
  }

  /// `FILE doc N: invalid JSON at line L column C: REASON`, N being the failing value's document.
  private func jsonError(_ failure: JSONParser.StreamFailure, bytes: [UInt8], firstLine: Int) -> ManifestError {
    let offset = min(failure.failure.offset, bytes.count)
    let before = bytes[..<offset]
    let lineStart = before.lastIndex(of: UInt8(ascii: "\n")).map { $0 + 1 } ?? 0
    let line = firstLine + before.count(where: { $0 == UInt8(ascii: "\n") })
    // Columns count characters: every UTF-8 byte but continuation bytes.
    let column = bytes[lineStart..<offset].count(where: { $0 & 0xC0 != 0x80 }) + 1
    return ManifestError(
      file: file, document: document + failure.parsedValues,
      message: "invalid JSON at line \(line) column \(column): \(failure.failure.reason)")
  }

  /// Where a document's JSON would start: after its `---` marker, if any; nil when its first
  /// non-blank byte there is not `{` or `[`.
  static func jsonStart(_ bytes: [UInt8]) -> Int? {
    var start = 0
    if bytes.starts(with: "---".utf8) && (bytes.count == 3 || JSONScanner.isWhitespace(bytes[3])) { start = 3 }
    let first = bytes[start...].first { !JSONScanner.isWhitespace($0) }
    return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? start : nil
  }
}

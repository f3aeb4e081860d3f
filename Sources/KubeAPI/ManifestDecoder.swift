// The entry point for manifest text: splits it into documents, parses each (JSON fast path, else
// Yams), expands Lists, decodes the kinds kproxy reads and counts the rest as ignored.
import Yams

/// Decodes Kubernetes manifests (multi-document YAML, JSON, `kind: List` and `*List` kinds).
public enum ManifestDecoder {
  /// Files larger than this many bytes are rejected without being parsed.
  public static let maxFileBytes = ManifestDocuments.maxFileBytes
  /// Documents larger than this many bytes are rejected without being parsed.
  public static let maxDocumentBytes = ManifestDocuments.maxDocumentBytes

  /// Decodes every document of `text` (from `file`) and appends the objects to `objects`.
  public static func decode(_ text: String, file: String, into objects: inout ObjectSet) throws(ManifestError) {
    let manifest = try decodeObjects(text, file: file)
    for decoded in manifest.objects { objects.append(decoded.object) }
    objects.ignoredCount += manifest.ignoredCount
  }

  /// Decodes every document of `text` (from `file`), keeping each object's document and item index.
  public static func decodeObjects(_ text: String, file: String) throws(ManifestError) -> DecodedManifest {
    try decodeObjects(text, file: file, limits: .standard)
  }

  static func decodeObjects(_ text: String, file: String, limits: ManifestLimits) throws(ManifestError) -> DecodedManifest {
    if text.utf8.count > limits.fileBytes {
      throw ManifestError(
        file: file, message: "file is \(text.utf8.count) bytes, more than the limit of \(limits.fileBytes / 1024 / 1024) MiB")
    }
    var manifest = DecodedManifest()
    for document in ManifestDocuments.split(text) {
      let context = DocumentContext(file: file, document: document.index, limits: limits)
      guard let root = try context.parse(document) else { continue }
      try context.decodeDocument(root, into: &manifest)
    }
    return manifest
  }
}

/// The file and document being decoded; turns internal failures into ManifestErrors.
struct DocumentContext {
  let file: String
  let document: Int
  var limits = ManifestLimits.standard

  func error(_ failure: FieldError, object: String? = nil, kind: String? = nil) -> ManifestError {
    ManifestError(
      file: file, document: document, object: object, kind: kind, field: failure.field.isEmpty ? nil : failure.field,
      message: failure.message)
  }

  /// Parses one document; nil when it is empty.
  func parse(_ document: ManifestDocument) throws(ManifestError) -> FieldReader? {
    let size = document.text.utf8.count
    if size > limits.documentBytes {
      throw ManifestError(
        file: file, document: self.document,
        message: "document is \(size) bytes, more than the limit of \(limits.documentBytes / 1024 / 1024) MiB")
    }
    let bytes = document.text.utf8.withContiguousStorageIfAvailable(Array.init) ?? Array(document.text.utf8)
    if let line = NestingDepthBound.firstLineExceeding(NestingDepthBound.limit, in: bytes) {
      throw ManifestError(
        file: file, document: self.document,
        message: "document nests more than \(NestingDepthBound.limit) levels deep at line \(document.firstLine + line - 1)")
    }
    if let start = Self.jsonStart(bytes), let tree = JSONParser.parse(bytes, from: start) {
      return FieldReader(node: .json(tree, 0), budget: WalkBudget(documentBytes: size))
    }
    // Not JSON after all (YAML flow style, or invalid): Yams decides, and words any error.
    var text = String(document.text)
    let firstByte = bytes.first {
      $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: "\r")
    }
    if firstByte == UInt8(ascii: "{") || firstByte == UInt8(ascii: "["), bytes.contains(UInt8(ascii: "\t")) {
      // JSON allows tabs between tokens where YAML does not; raw tabs cannot occur inside JSON strings.
      text = String(decoding: text.utf8.map { $0 == UInt8(ascii: "\t") ? UInt8(ascii: " ") : $0 }, as: UTF8.self)
    }
    let node: Yams.Node?
    do {
      node = try Yams.compose(yaml: text)
    } catch {
      throw ManifestError(file: file, document: self.document, message: YAMLSyntaxError.message(error, firstLine: document.firstLine))
    }
    guard let node else { return nil }
    let reader = FieldReader(node: .yaml(node), budget: WalkBudget(documentBytes: size))
    return reader.isNull ? nil : reader
  }

  /// Where a document's JSON would start: after its `---` marker, if any; nil when its first
  /// non-blank byte there is not `{` or `[`.
  static func jsonStart(_ bytes: [UInt8]) -> Int? {
    var start = 0
    if bytes.starts(with: "---".utf8) && (bytes.count == 3 || JSONScanner.isWhitespace(bytes[3])) { start = 3 }
    let first = bytes[start...].first { !JSONScanner.isWhitespace($0) }
    return first == UInt8(ascii: "{") || first == UInt8(ascii: "[") ? start : nil
  }

  /// Decodes a parsed document: one object, or a List of them.
  func decodeDocument(_ root: FieldReader, into manifest: inout DecodedManifest) throws(ManifestError) {
    let (apiVersion, kind) = try typeMeta(root, defaultAPIVersion: nil, defaultKind: nil)
    let itemsField: FieldReader?
    do { itemsField = kind.hasSuffix("List") ? try root.optional("items") : nil } catch { throw self.error(error, kind: kind) }
    guard let itemsField else {
      if let object = try decodeObject(root, apiVersion: apiVersion, kind: kind) {
        manifest.objects.append(DecodedObject(object: object, document: document))
      } else {
        manifest.ignoredCount += 1
      }
      return
    }
    let items: [FieldReader]
    do { items = try itemsField.elements() } catch { throw self.error(error, kind: kind) }
    let itemKind = kind == "List" ? nil : String(kind.dropLast(4))
    for (index, item) in items.enumerated() {
      let (itemAPIVersion, itemKind) = try typeMeta(item, defaultAPIVersion: apiVersion, defaultKind: itemKind)
      if let object = try decodeObject(item, apiVersion: itemAPIVersion, kind: itemKind) {
        manifest.objects.append(DecodedObject(object: object, document: document, item: index))
      } else {
        manifest.ignoredCount += 1
      }
    }
  }

  /// `apiVersion` and `kind`, both required unless a `*List` supplies them for its items.
  func typeMeta(_ object: FieldReader, defaultAPIVersion: String?, defaultKind: String?) throws(ManifestError) -> (String, String) {
    do {
      return try Self.typeMetaFields(object, defaultAPIVersion: defaultAPIVersion, defaultKind: defaultKind)
    } catch {
      throw self.error(error)
    }
  }

  private static func typeMetaFields(_ object: FieldReader, defaultAPIVersion: String?, defaultKind: String?) throws(FieldError) -> (
    String, String
  ) {
    let kind = try object.string("kind") ?? defaultKind
    guard let kind, !kind.isEmpty else { throw .missing(field: object.childPath("kind")) }
    let apiVersion = try object.string("apiVersion") ?? (kind == defaultKind ? defaultAPIVersion : nil)
    guard let apiVersion, !apiVersion.isEmpty else { throw .missing(field: object.childPath("apiVersion")) }
    return (apiVersion, kind)
  }

  /// Decodes one object of a known kind; nil for kinds kproxy ignores.
  func decodeObject(_ object: FieldReader, apiVersion: String, kind: String) throws(ManifestError) -> KubeObject? {
    guard let known = KnownKind(apiVersion: apiVersion, kind: kind) else { return nil }
    var meta: ObjectMeta
    do {
      meta = try ObjectMeta.decodeIdentity(object, nameRule: known.nameRule, namespaced: known.isNamespaced)
    } catch {
      throw self.error(error, kind: kind)
    }
    do {
      try meta.decodeDetails(object)
      return try known.decode(object, meta: meta)
    } catch {
      throw self.error(error, object: meta.key.description, kind: kind)
    }
  }
}

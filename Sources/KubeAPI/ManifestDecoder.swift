// The entry point for manifest text: splits it into documents, parses each (DocumentParsing),
// expands Lists, decodes the kinds kproxy reads and counts the rest as ignored.
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
    objects.skipped += manifest.skipped
  }

  /// Decodes every document of `text` (from `file`), keeping each object's document and item index.
  public static func decodeObjects(_ text: String, file: String) throws(ManifestError) -> DecodedManifest {
    try decodeObjects(text, file: file, limits: .standard)
  }

  /// `blockYAMLFastPath: false` sends every YAML document through Yams (the reference the fast path is tested against).
  static func decodeObjects(
    _ text: String, file: String, limits: ManifestLimits, blockYAMLFastPath: Bool = true
  ) throws(ManifestError) -> DecodedManifest {
    if text.utf8.count > limits.fileBytes {
      throw ManifestError(
        file: file, message: "file is \(text.utf8.count) bytes, more than the limit of \(limits.fileBytes / 1024 / 1024) MiB")
    }
    var manifest = DecodedManifest()
    if let tape = DocumentContext.wholeTextJSON(text, limits: limits) {
      // What splitting and parsing would give: the text is one document holding these values.
      for (offset, root) in tape.roots.enumerated() {
        let context = DocumentContext(file: file, document: 1 + offset, limits: limits)
        try context.decodeDocument(FieldReader(tape: tape, index: root), into: &manifest)
      }
      return manifest
    }
    // Each value of a JSON stream (concatenated objects, NDJSON) counts as a document of its own.
    var extraDocuments = 0
    for document in ManifestDocuments.split(text) {
      let context = DocumentContext(
        file: file, document: document.index + extraDocuments, limits: limits, blockYAMLFastPath: blockYAMLFastPath)
      let roots = try context.parse(document)
      for (offset, root) in roots.enumerated() {
        let valueContext = DocumentContext(file: file, document: context.document + offset, limits: limits)
        try valueContext.decodeDocument(root, into: &manifest)
      }
      extraDocuments += max(roots.count - 1, 0)
    }
    return manifest
  }
}

/// The file and document being decoded; turns internal failures into ManifestErrors.
struct DocumentContext {
  let file: String
  let document: Int
  var limits = ManifestLimits.standard
  /// Whether block-style YAML documents are parsed by BlockYAMLParser before Yams is tried.
  var blockYAMLFastPath = true

  func error(_ failure: FieldError, object: String? = nil, kind: String? = nil) -> ManifestError {
    ManifestError(
      file: file, document: document, object: object, kind: kind, field: failure.field.isEmpty ? nil : failure.field,
      message: failure.message)
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
        manifest.skipped.append(skipped(root, apiVersion: apiVersion, kind: kind, item: nil))
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
        manifest.skipped.append(skipped(item, apiVersion: itemAPIVersion, kind: itemKind, item: index))
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

extension DocumentContext {
  /// The record of an object `decodeObject` skipped; its name is read best-effort (never fails).
  func skipped(_ object: FieldReader, apiVersion: String, kind: String, item: Int?) -> SkippedObject {
    let reason: SkippedObject.Reason
    if let expected = KnownKind.apiVersions(ofKind: kind) {
      reason = .unknownAPIVersion(expected: expected)
    } else if kind == "Endpoints" && apiVersion == "v1" {
      reason = .endpointsV1
    } else if kind == KubeProxyConfiguration.kind {
      reason = .configurationInManifests
    } else {
      reason = .kindNotRead
    }
    let name = (try? object.string("metadata.name")).flatMap { $0 }
    var namespace = (try? object.string("metadata.namespace")).flatMap { $0 } ?? ""
    if namespace.isEmpty, KnownKind.apiVersions(ofKind: kind) != nil || reason == .endpointsV1 {
      namespace = ["Node", "ServiceCIDR"].contains(kind) ? "" : "default"
    }
    let shown = name.map { name in
      namespace.isEmpty ? SkippedObject.displayed(name) : "\(SkippedObject.displayed(namespace))/\(SkippedObject.displayed(name))"
    }
    return SkippedObject(file: file, document: document, item: item, apiVersion: apiVersion, kind: kind, name: shown, reason: reason)
  }
}

// Decodes what the API server sends a list + watch: a list page (`{"kind":"ServiceList",
// "metadata":{...},"items":[...]}`) and a watch event (`{"type":...,"object":{...}}`), each parsed
// once into a JSON tape; every object is decoded and validated alone, as a one-object manifest.

/// The resource's object type: what list items and watch objects without `kind`/`apiVersion` are.
public struct APIObjectType: Sendable, Hashable {
  public var apiVersion: String
  public var kind: String
  public var namespaced: Bool

  public init(apiVersion: String, kind: String, namespaced: Bool) {
    self.apiVersion = apiVersion
    self.kind = kind
    self.namespaced = namespaced
  }
}

/// One object of a list page or watch event: decoded, or the error that rejected it.
public struct APIItem: Sendable {
  /// `metadata.name` and, for a namespaced type, `metadata.namespace` ("" when absent) as
  /// written; nil when the name is not a string.
  public var key: NamespacedName?
  /// `metadata.resourceVersion` when it is a string.
  public var resourceVersion: String?
  public var result: Result<KubeObject, ManifestError>
}

/// One page of a list.
public struct APIListPage: Sendable {
  /// `metadata.resourceVersion`; "" when absent.
  public var resourceVersion: String
  /// `metadata.continue`; nil when absent or empty (the last page).
  public var continueToken: String?
  /// The items that are JSON objects, in order.
  public var items: [APIItem]
}

public enum APIResponseDecoder {
  /// The page in `bytes`, each item decoded as `type` (errors name `source`, e.g. "list
  /// services"); nil when the text is not a JSON object with an `items` list.
  public static func decodeListPage(_ bytes: [UInt8], as type: APIObjectType, source: String) -> APIListPage? {
    guard let tape = JSONParser.parse(bytes), let root = tape.roots.first,
      let members = tape.members(of: root, ["metadata", "items"]), members[1] >= 0, tape[members[1]].kind == .array
    else { return nil }
    var page = APIListPage(resourceVersion: "", continueToken: nil, items: [])
    if members[0] >= 0, let meta = tape.members(of: members[0], ["resourceVersion", "continue"]) {
      page.resourceVersion = meta[0] >= 0 ? tape.stringValue(meta[0]) ?? "" : ""
      page.continueToken = meta[1] >= 0 ? tape.stringValue(meta[1]).flatMap { $0.isEmpty ? nil : $0 } : nil
    }
    let list = members[1]
    page.items.reserveCapacity(Int(tape[list].start))
    var item = JSONTape.firstChild(list)
    for _ in 0..<Int(tape[list].start) {
      if tape[item].kind == .object { page.items.append(decodeObject(tape, item, as: type, source: source)) }
      item = Int(tape[item].next)
    }
    return page
  }

  /// The object at `index` of `tape`, alone: its paths start at it and its errors are those of
  /// a one-object manifest named `source` (doc 1); without a resourceVersion it is rejected.
  static func decodeObject(_ tape: JSONTape, _ index: Int, as type: APIObjectType, source: String) -> APIItem {
    let (name, namespace, resourceVersion) = metadata(tape, index)
    let key = name.map { NamespacedName(namespace: type.namespaced ? namespace ?? "" : "", name: $0) }
    let file = key.map { "\(source) \($0)" } ?? source
    func rejected(_ error: ManifestError) -> APIItem { APIItem(key: key, resourceVersion: resourceVersion, result: .failure(error)) }
    guard let resourceVersion, !resourceVersion.isEmpty else {
      return rejected(ManifestError(file: file, field: "metadata.resourceVersion", message: "missing"))
    }
    let context = DocumentContext(file: source, document: 1)
    let reader = FieldReader(tape: tape, index: index, root: index)
    do {
      let (apiVersion, kind) = try context.typeMeta(reader, defaulting: type, tape: tape, index: index)
      guard KnownKind(apiVersion: apiVersion, kind: kind) != nil,
        let object = try context.decodeObject(reader, apiVersion: apiVersion, kind: kind)
      else { return rejected(ManifestError(file: file, message: "not a \(type.kind) of \(type.apiVersion)")) }
      return APIItem(key: key, resourceVersion: resourceVersion, result: .success(object))
    } catch {
      return rejected(error)
    }
  }

  /// `metadata.name`, `.namespace` and `.resourceVersion` of the object at `index`, each when it
  /// is a string; read without validation (they name the object in errors).
  private static func metadata(_ tape: JSONTape, _ index: Int) -> (name: String?, namespace: String?, resourceVersion: String?) {
    guard let object = tape.members(of: index, ["metadata"]), object[0] >= 0,
      let fields = tape.members(of: object[0], ["name", "namespace", "resourceVersion"])
    else { return (nil, nil, nil) }
    func text(_ member: Int) -> String? { member >= 0 ? tape.stringValue(member) : nil }
    return (text(fields[0]), text(fields[1]), text(fields[2]))
  }
}

extension DocumentContext {
  /// `apiVersion` and `kind` of an API object: each the type's when the field is absent (an
  /// API list's items have neither), else as written and required.
  func typeMeta(_ object: FieldReader, defaulting type: APIObjectType, tape: JSONTape, index: Int) throws(ManifestError) -> (String, String)
  {
    let present = tape.members(of: index, ["kind", "apiVersion"]).map { ($0[0] >= 0, $0[1] >= 0) } ?? (true, true)
    func fields() throws(FieldError) -> (String, String) {
      var kind = type.kind
      if present.0 { kind = try object.string("kind") ?? "" }
      if kind.isEmpty { throw .missing(field: object.childPath("kind")) }
      var apiVersion = type.apiVersion
      if present.1 { apiVersion = try object.string("apiVersion") ?? "" }
      if apiVersion.isEmpty { throw .missing(field: object.childPath("apiVersion")) }
      return (apiVersion, kind)
    }
    do {
      return try fields()
    } catch {
      throw self.error(error)
    }
  }
}

/// One event of a watch stream, parsed; its object is decoded on demand (`decodeObject`), since
/// BOOKMARK objects are not complete and ERROR objects are Status objects.
public struct APIWatchEvent {
  /// ADDED, MODIFIED, DELETED, BOOKMARK or ERROR.
  public let type: String
  private let tape: JSONTape
  private let object: Int

  /// The event in one line of a watch response; nil when it is not a JSON object with a string
  /// `type` and an object `object`.
  public init?(line: [UInt8]) {
    guard let tape = JSONParser.parse(line), let root = tape.roots.first, let members = tape.members(of: root, ["type", "object"]),
      members[0] >= 0, let type = tape.stringValue(members[0]), members[1] >= 0, tape[members[1]].kind == .object
    else { return nil }
    self.type = type
    self.tape = tape
    object = members[1]
  }

  /// The object's `metadata.resourceVersion` when it is a string.
  public var resourceVersion: String? {
    guard let object = tape.members(of: object, ["metadata"]), object[0] >= 0, let meta = tape.members(of: object[0], ["resourceVersion"]),
      meta[0] >= 0
    else { return nil }
    return tape.stringValue(meta[0])
  }

  /// The `code`, `reason` and `message` of an ERROR event's Status object, each when of its type.
  public var status: (code: Int?, reason: String?, message: String?) {
    guard let fields = tape.members(of: object, ["code", "reason", "message"]) else { return (nil, nil, nil) }
    let code = fields[0] >= 0 && tape[fields[0]].kind == .number ? Int(tape.numberText(fields[0])) : nil
    return (code, fields[1] >= 0 ? tape.stringValue(fields[1]) : nil, fields[2] >= 0 ? tape.stringValue(fields[2]) : nil)
  }

  /// The event's object decoded as `type`, alone (see `APIResponseDecoder.decodeListPage`).
  public func decodeObject(as type: APIObjectType, source: String) -> APIItem {
    APIResponseDecoder.decodeObject(tape, object, as: type, source: source)
  }
}

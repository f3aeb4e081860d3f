// The user-facing decoding error: which file, document, object and field was wrong, and why.
// Its description is the one line kproxy prints, e.g. `a.yaml doc 3 (default/web): spec.ports[1].port: ...`.

/// An error in a manifest or configuration file, located as precisely as the input allows.
public struct ManifestError: Error, CustomStringConvertible, Sendable, Equatable {
  /// The file as given by the caller (a path or "<stdin>").
  public var file: String
  /// 1-based index of the YAML document (or JSON value) in the file; nil for file-level errors.
  public var document: Int?
  /// "namespace/name", or "name" for cluster-scoped kinds; nil when not (yet) known to be valid.
  public var object: String?
  /// The object's kind, e.g. "Service", when known.
  public var kind: String?
  /// The field path, e.g. "spec.ports[1].port" or "items[3].spec.ports[0].port".
  public var field: String?
  /// What is wrong: the bad value and why.
  public var message: String

  public init(file: String, document: Int? = nil, object: String? = nil, kind: String? = nil, field: String? = nil, message: String) {
    self.file = file
    self.document = document
    self.object = object
    self.kind = kind
    self.field = field
    self.message = message
  }

  /// `FILE doc N (OBJECT): FIELD: MESSAGE`, leaving out the parts that are nil.
  public var description: String {
    var text = file
    if let document { text += " doc \(document)" }
    if let object { text += " (\(object))" }
    text += ": "
    if let field, !field.isEmpty { text += field + ": " }
    return text + message
  }
}

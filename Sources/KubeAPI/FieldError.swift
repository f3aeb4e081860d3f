// Internal decoding failures of one field, before the file/document/object context is known;
// ManifestDecoder turns them into a ManifestError.

/// Why one field of a document could not be decoded.
enum FieldError: Error, Equatable {
  /// A required field is absent or null.
  case missing(field: String)
  /// The YAML/JSON value has the wrong type, e.g. a string where an integer belongs.
  case wrongType(field: String, expected: String, got: String)
  /// The value has the right type but is not acceptable.
  case invalid(field: String, reason: String)
  /// A mapping repeats a key.
  case duplicateKey(field: String, key: String)
  /// The document expands (through YAML aliases) to more values than kproxy walks.
  case tooManyValues(limit: Int)

  var field: String {
    switch self {
    case .missing(let field), .wrongType(let field, _, _), .invalid(let field, _), .duplicateKey(let field, _): field
    case .tooManyValues: ""
    }
  }

  var message: String {
    switch self {
    case .missing: "required field is missing"
    case .wrongType(_, let expected, let got): "expected \(expected), got \(got)"
    case .invalid(_, let reason): reason
    case .duplicateKey(_, let key): "duplicate key \(quoted(key))"
    case .tooManyValues(let limit): "document expands to more than \(limit) values (YAML aliases?)"
    }
  }
}

/// A value quoted for an error message: escapes quotes and control characters so a hostile
/// value cannot forge terminal output, and shortens values longer than 100 characters.
func quoted(_ value: some StringProtocol) -> String {
  let limit = 100
  let text = String(value)
  guard text.count > limit else { return text.debugDescription }
  return String(text.prefix(limit)).debugDescription + "... (\(text.utf8.count) bytes)"
}

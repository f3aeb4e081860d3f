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

/// A value quoted for an error message: printable ASCII as is; quotes, backslashes, control
/// characters and all non-ASCII escaped (`\n`, `\u{202E}`), so a hostile value can neither break
/// the one-line message nor reorder it on a terminal; values over 100 characters are shortened.
func quoted(_ value: some StringProtocol) -> String {
  let limit = 100
  var text = "\""
  for (offset, scalar) in value.unicodeScalars.enumerated() {
    if offset == limit {
      return text + "\"... (\(value.utf8.count) bytes)"
    }
    switch scalar {
    case "\"": text += "\\\""
    case "\\": text += "\\\\"
    case "\n": text += "\\n"
    case "\r": text += "\\r"
    case "\t": text += "\\t"
    case " "..."~": text.unicodeScalars.append(scalar)
    default: text += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
    }
  }
  return text + "\""
}

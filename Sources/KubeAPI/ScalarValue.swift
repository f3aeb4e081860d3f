// How kproxy reads a YAML scalar: plain scalars resolve to null, bool, integer, number or string
// (true/false only, decimal integers only, as JSON); quoted and block scalars are always strings.
import Yams

/// A resolved YAML/JSON scalar.
enum ScalarValue: Equatable {
  case null
  case bool(Bool)
  /// A decimal integer; nil payload when it does not fit in Int.
  case int(Int?, text: String)
  case number(String)
  case string(String)

  init(_ scalar: Yams.Node.Scalar) {
    let text = scalar.string
    switch scalar.style {
    case .plain, .any:
      self = ScalarValue.resolvePlain(text)
    case .singleQuoted, .doubleQuoted, .literal, .folded:
      self = .string(text)
    }
  }

  static func resolvePlain(_ text: String) -> ScalarValue {
    switch text {
    case "", "~", "null", "Null", "NULL": return .null
    case "true": return .bool(true)
    case "false": return .bool(false)
    default: break
    }
    if isDecimalInteger(text) { return .int(Int(text), text: text) }
    if isNumber(text) { return .number(text) }
    return .string(text)
  }

  /// `-?(0|[1-9][0-9]*)`, the JSON integer grammar.
  static func isDecimalInteger(_ text: String) -> Bool {
    var digits = Substring(text).utf8
    if digits.first == UInt8(ascii: "-") || digits.first == UInt8(ascii: "+") { digits = digits.dropFirst() }
    guard let first = digits.first, digits.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return false }
    return first != UInt8(ascii: "0") || digits.count == 1
  }

  /// JSON/YAML floating-point spellings: `1.5`, `-2e3`, `.5`, `.inf`, `.nan`
  /// (YAML 1.1 underscores are not numbers here).
  static func isNumber(_ text: String) -> Bool {
    if specialNumbers.contains(text) { return true }
    return text.utf8.contains(where: { $0 >= 48 && $0 <= 57 }) && text.utf8.allSatisfy(numberBytes.contains)
      && Double(text) != nil
  }

  private static let specialNumbers: Set<String> = [".inf", "-.inf", "+.inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN"]
  private static let numberBytes = Set("0123456789+-.eE".utf8)

  /// True for the plain scalars that mean null; cheaper than resolving the whole value.
  static func isNull(_ scalar: Yams.Node.Scalar) -> Bool {
    guard scalar.style == .plain || scalar.style == .any else { return false }
    switch scalar.string {
    case "", "~", "null", "Null", "NULL": return true
    default: return false
    }
  }

  /// How the value is named in "expected X, got Y" messages.
  var described: String {
    switch self {
    case .null: "null"
    case .bool(let value): "boolean \(value)"
    case .int(_, let text): "integer \(text)"
    case .number(let text): "number \(text)"
    case .string(let text): "string \(quoted(text))"
    }
  }
}

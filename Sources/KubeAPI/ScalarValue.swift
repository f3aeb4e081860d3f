// How kproxy reads a scalar: JSON values as JSON; YAML plain scalars as kubectl's YAML 1.1 reader
// does: null, bool (yes/no/on/off/y/n too), integer (010 is octal 8, 0x50 is 80), number or string;
// quoted and block scalars and `!!str` are strings; `!!int`, `!!bool`, `!!float`, `!!null` as plain.
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
    switch scalar.tag.description {
    case "":
      break
    case "!", "tag:yaml.org,2002:str":
      self = .string(text)
      return
    case "tag:yaml.org,2002:int", "tag:yaml.org,2002:bool", "tag:yaml.org,2002:float", "tag:yaml.org,2002:null":
      self = ScalarValue.resolvePlainYAML(text)
      return
    default:
      break
    }
    switch scalar.style {
    case .plain, .any:
      self = ScalarValue.resolvePlainYAML(text)
    case .singleQuoted, .doubleQuoted, .literal, .folded:
      self = .string(text)
    }
  }

  /// A YAML plain scalar: as `resolvePlain`, plus the integer spellings of YAML 1.1 that kubectl's
  /// YAML reader (sigs.k8s.io/yaml, go-yaml v2: Go's ParseInt with base 0 after dropping `_`)
  /// turns into JSON integers before the API server sees them: `010` (octal 8), `0o10`, `0x50`,
  /// `0b101`, `1_000`.
  static func resolvePlainYAML(_ text: String) -> ScalarValue {
    // Shortcut, same result: a word that starts with a letter other than `e` is no number (those
    // start with a digit, a sign, a dot or an exponent), so it is a boolean, a null or a string.
    if let first = text.utf8.first, first | 0x20 >= UInt8(ascii: "a"), first | 0x20 <= UInt8(ascii: "z"),
      first | 0x20 != UInt8(ascii: "e")
    {
      guard text.utf8.count <= 5 else { return .string(text) }
      if let value = yaml11Booleans[text] { return .bool(value) }
      return text == "null" || text == "Null" || text == "NULL" ? .null : .string(text)
    }
    return resolvePlainYAMLInFull(text)
  }

  /// `resolvePlainYAML` without its shortcut for words (tests check both agree).
  static func resolvePlainYAMLInFull(_ text: String) -> ScalarValue {
    if let value = yaml11Booleans[text] { return .bool(value) }
    let resolved = resolvePlain(text)
    switch resolved {
    case .number, .string:
      guard let (digits, radix, negative) = yaml11IntegerDigits(text) else { return resolved }
      guard let magnitude = UInt64(digits, radix: radix) else { return .int(nil, text: text) }
      let limit = negative ? UInt64(Int.max) + 1 : UInt64(Int.max)
      guard magnitude <= limit else { return .int(nil, text: text) }
      return .int(negative ? Int(truncatingIfNeeded: 0 &- magnitude) : Int(magnitude), text: text)
    default:
      return resolved
    }
  }

  /// The booleans of YAML 1.1 as go-yaml v2 resolves them (kubectl turns them into JSON booleans).
  private static let yaml11Booleans: [String: Bool] = [
    "y": true, "Y": true, "yes": true, "Yes": true, "YES": true, "true": true, "True": true, "TRUE": true,
    "on": true, "On": true, "ON": true,
    "n": false, "N": false, "no": false, "No": false, "NO": false, "false": false, "False": false, "FALSE": false,
    "off": false, "Off": false, "OFF": false,
  ]

  /// True for `08`, `-0129`: decimal digits after a leading 0, not all octal.
  static func isLeadingZeroDecimal(_ text: String) -> Bool {
    let digits = text.drop { $0 == "-" || $0 == "+" }
    return digits.count > 1 && digits.first == "0" && digits.allSatisfy { $0 >= "0" && $0 <= "9" }
  }

  /// The digits, radix and sign of a YAML 1.1 integer spelling; nil when `text` is none.
  private static func yaml11IntegerDigits(_ text: String) -> (Substring, Int, Bool)? {
    guard text.first != "_", text.utf8.allSatisfy(yaml11IntegerBytes.contains) else { return nil }
    var digits = Substring(text.filter { $0 != "_" })
    let negative = digits.first == "-"
    if digits.first == "-" || digits.first == "+" { digits = digits.dropFirst() }
    let radix: Int
    switch digits.prefix(2).lowercased() {
    case "0x": radix = 16
    case "0o": radix = 8
    case "0b": radix = 2
    default: radix = digits.first == "0" ? 8 : 10
    }
    digits = digits.dropFirst(radix == 8 && digits.prefix(2).lowercased() != "0o" ? 1 : radix == 10 ? 0 : 2)
    let isDigit = { (c: Character) in c.isASCII && c.hexDigitValue.map { $0 < radix } == true }
    guard !digits.isEmpty, digits.allSatisfy(isDigit) else { return nil }
    return (digits, radix, negative)
  }

  /// Every byte an integer spelling of `yaml11IntegerDigits` can hold (a quick refusal of the rest).
  private static let yaml11IntegerBytes = Set("0123456789abcdefABCDEFxXoO_+-".utf8)

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

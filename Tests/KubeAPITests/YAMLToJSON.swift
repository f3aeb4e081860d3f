// Test support: rewrites YAML manifests as JSON, document by document, with scalars typed the way
// kproxy resolves YAML, so that the same objects can be decoded from both spellings.
import Yams

@testable import KubeAPI

enum YAMLToJSON {
  enum Style {
    /// One line, non-ASCII as is.
    case compact
    /// Tabs and line breaks between tokens; `/` and every non-ASCII character escaped (`\uXXXX`, surrogate pairs).
    case pretty
  }

  /// The whole text as JSON, one `---`-separated JSON text per YAML document (empty and null
  /// documents stay empty, so document numbers match); nil when a value has no JSON spelling or YAML fails.
  static func convert(_ yaml: String, style: Style) -> String? {
    var result = ""
    for document in ManifestDocuments.split(yaml) {
      result += "---\n"
      let parsed: Yams.Node?
      do { parsed = try Yams.compose(yaml: String(document.text)) } catch { return nil }
      // An empty or null document is skipped either way.
      guard let node = parsed, !FieldNode.yaml(node).isNull else { continue }
      guard let json = json(node, style: style, depth: 0) else { return nil }
      result += json + "\n"
    }
    return result
  }

  /// Every document's root as an item of one JSON `kind: List`; nil as in `convert`.
  static func list(_ yaml: String) -> String? {
    var items: [String] = []
    for document in ManifestDocuments.split(yaml) {
      guard let node = try? Yams.compose(yaml: String(document.text)), !FieldNode.yaml(node).isNull else { continue }
      guard let json = json(node, style: .compact, depth: 0) else { return nil }
      items.append(json)
    }
    return #"{"apiVersion":"v1","kind":"List","items":["# + items.joined(separator: ",") + "]}"
  }

  /// The JSON of one node; nil for non-string keys, merge keys and numbers JSON cannot spell (`+1`, `.5`, `.inf`).
  static func json(_ node: Yams.Node, style: Style, depth: Int) -> String? {
    let (open, separator, close) =
      style == .compact
      ? ("", ",", "") : ("\n" + String(repeating: "\t", count: depth + 1), ",\r\n" + String(repeating: "\t", count: depth + 1), "\n")
    switch node {
    case .scalar(let scalar):
      switch ScalarValue(scalar) {
      case .null: return "null"
      case .bool(let value): return value ? "true" : "false"
      case .int(_, let text), .number(let text): return isJSONNumber(text) ? text : nil
      case .string(let text): return string(text, style: style)
      }
    case .sequence(let sequence):
      var parts: [String] = []
      for element in sequence {
        guard let part = json(element, style: style, depth: depth + 1) else { return nil }
        parts.append(part)
      }
      return parts.isEmpty ? "[]" : "[" + open + parts.joined(separator: separator) + close + "]"
    case .mapping(let mapping):
      var parts: [String] = []
      for (key, value) in mapping {
        guard let keyScalar = key.scalar, !FieldReader.isMergeKey(key), case .string(let keyText) = ScalarValue(keyScalar),
          let valueJSON = json(value, style: style, depth: depth + 1)
        else { return nil }
        parts.append(string(keyText, style: style) + (style == .compact ? ":" : " :\t") + valueJSON)
      }
      return parts.isEmpty ? "{}" : "{" + open + parts.joined(separator: separator) + close + "}"
    }
  }

  static func isJSONNumber(_ text: String) -> Bool {
    guard let tape = JSONParser.parse(Array(text.utf8)), tape[0].kind == .number else { return false }
    return true
  }

  static func string(_ text: String, style: Style) -> String {
    var result = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": result += "\\\""
      case "\\": result += "\\\\"
      case "\n": result += "\\n"
      case "\t": result += "\\t"
      case "/" where style == .pretty: result += "\\/"
      case " "..."~": result.unicodeScalars.append(scalar)
      case _ where style == .compact && scalar.value >= 0x80: result.unicodeScalars.append(scalar)
      default:
        for unit in String(scalar).utf16 {
          let hex = String(unit, radix: 16, uppercase: unit % 2 == 0)
          result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        }
      }
    }
    return result + "\""
  }
}

// Label and field selectors as the API server parses them from `labelSelector=` and
// `fieldSelector=`: equality, inequality and existence terms joined by commas.
import Foundation

/// Which objects a list or watch covers.
public struct Selector: Sendable, Equatable {
  enum Term: Sendable, Equatable {
    case equals(String, String), notEquals(String, String), exists(String), notExists(String)
  }
  var labelTerms: [Term] = []
  /// `metadata.name` and `metadata.namespace` terms of a field selector.
  var fieldTerms: [Term] = []

  public init() {}

  /// Parses the query values; throws 400 BadRequest for fields this server cannot select on.
  init(labelSelector: String?, fieldSelector: String?) throws(APIStatus) {
    labelTerms = try Self.parse(labelSelector ?? "")
    fieldTerms = try Self.parse(fieldSelector ?? "")
    for term in fieldTerms {
      switch term {
      case .equals(let field, _), .notEquals(let field, _):
        guard field == "metadata.name" || field == "metadata.namespace" else {
          throw .badRequest("field label not supported: \(field)")
        }
      case .exists, .notExists: throw .badRequest("invalid field selector: \(fieldSelector ?? "")")
      }
    }
  }

  static func parse(_ text: String) throws(APIStatus) -> [Term] {
    var terms: [Term] = []
    for part in text.split(separator: ",") {
      let item = part.trimmingCharacters(in: .whitespaces)
      if let range = item.range(of: "!=") {
        terms.append(.notEquals(String(item[..<range.lowerBound]), String(item[range.upperBound...])))
      } else if let range = item.range(of: "==") ?? item.range(of: "=") {
        terms.append(.equals(String(item[..<range.lowerBound]), String(item[range.upperBound...])))
      } else if item.hasPrefix("!") {
        terms.append(.notExists(String(item.dropFirst())))
      } else if !item.isEmpty {
        terms.append(.exists(item))
      }
    }
    return terms
  }

  func matches(_ object: StoredObject) -> Bool {
    let fields = ["metadata.name": object.key.name, "metadata.namespace": object.key.namespace]
    return Self.all(labelTerms, object.labels) && Self.all(fieldTerms, fields)
  }

  private static func all(_ terms: [Term], _ values: [String: String]) -> Bool {
    terms.allSatisfy { term in
      switch term {
      case .equals(let key, let value): values[key] == value
      case .notEquals(let key, let value): values[key] != value
      case .exists(let key): values[key] != nil
      case .notExists(let key): values[key] == nil
      }
    }
  }
}

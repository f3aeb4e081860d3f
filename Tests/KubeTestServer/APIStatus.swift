// A failed request as the API server reports it: an HTTP code and a `Status` object
// (reason NotFound, AlreadyExists, Conflict, Expired, Gone, Unauthorized, ...).
import Foundation

/// A `metav1.Status` failure, thrown by the store and written as the response body.
public struct APIStatus: Error, Sendable, Equatable {
  public var code: Int
  public var reason: String
  public var message: String

  public init(code: Int, reason: String, message: String) {
    self.code = code
    self.reason = reason
    self.message = message
  }

  static func notFound(_ key: ObjectKey) -> APIStatus {
    APIStatus(code: 404, reason: "NotFound", message: "\(key.resource) \"\(key.name)\" not found")
  }
  static func alreadyExists(_ key: ObjectKey) -> APIStatus {
    APIStatus(code: 409, reason: "AlreadyExists", message: "\(key.resource) \"\(key.name)\" already exists")
  }
  static func conflict(_ key: ObjectKey) -> APIStatus {
    APIStatus(
      code: 409, reason: "Conflict",
      message:
        "Operation cannot be fulfilled on \(key.resource) \"\(key.name)\": the object has been modified; please apply your changes to the latest version and try again"
    )
  }
  static func badRequest(_ message: String) -> APIStatus { APIStatus(code: 400, reason: "BadRequest", message: message) }
  static let expiredContinue = APIStatus(
    code: 410, reason: "Expired",
    message:
      "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."
  )
  static func tooOld(_ requested: Int, oldest: Int) -> APIStatus {
    APIStatus(code: 410, reason: "Expired", message: "too old resource version: \(requested) (\(oldest))")
  }
  static let unauthorized = APIStatus(code: 401, reason: "Unauthorized", message: "Unauthorized")

  /// The Status object as a JSON dictionary.
  var object: [String: Any] {
    [
      "kind": "Status", "apiVersion": "v1", "metadata": [String: Any](), "status": "Failure", "message": message, "reason": reason,
      "code": code,
    ]
  }

  /// The Status object as JSON bytes.
  var json: Data { (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data() }
}

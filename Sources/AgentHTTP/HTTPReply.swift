// An HTTP answer as plain data (status, headers, body), and the text forms kube-proxy's Go servers
// use in them: RFC 3339 times with nanoseconds as encoding/json writes time.Time, and JSON strings.
import Foundation
import NIOHTTP1

/// What a route answers; the server adds Content-Length and connection handling.
public struct HTTPReply: Sendable, Equatable {
  public var status: HTTPResponseStatus
  public var headers: [String: String]
  public var body: String

  public init(status: HTTPResponseStatus, headers: [String: String] = [:], body: String) {
    self.status = status
    self.headers = headers
    self.body = body
  }

  /// Go's http.NotFound.
  public static let notFound = HTTPReply(
    status: .notFound, headers: ["Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"],
    body: "404 page not found\n")

  /// A JSON body with the headers kube-proxy's health handlers set.
  static func json(_ status: HTTPResponseStatus, _ body: String) -> HTTPReply {
    HTTPReply(status: status, headers: ["Content-Type": "application/json", "X-Content-Type-Options": "nosniff"], body: body)
  }
}

/// Text forms shared by the JSON bodies.
enum GoText {
  /// A time as Go's encoding/json writes a UTC time.Time (RFC 3339, fraction without trailing zeros),
  /// to the microsecond; nil is Go's zero time `0001-01-01T00:00:00Z`.
  static func time(_ date: Date?) -> String {
    guard let date else { return "0001-01-01T00:00:00Z" }
    let micros = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
    var seconds = micros / 1_000_000
    var fraction = micros % 1_000_000
    if fraction < 0 {
      fraction += 1_000_000
      seconds -= 1
    }
    var days = seconds / 86_400
    var secondOfDay = seconds % 86_400
    if secondOfDay < 0 {
      secondOfDay += 86_400
      days -= 1
    }
    let (year, month, day) = civil(daysSinceEpoch: days)
    var text = String(
      format: "%04lld-%02lld-%02lldT%02lld:%02lld:%02lld", year, month, day, secondOfDay / 3600, secondOfDay % 3600 / 60, secondOfDay % 60)
    if fraction != 0 {
      var digits = String(format: "%06lld", fraction)
      while digits.hasSuffix("0") { digits.removeLast() }
      text += "." + digits
    }
    return text + "Z"
  }

  /// Year, month, day of a day count from 1970-01-01 (proleptic Gregorian; Howard Hinnant's algorithm).
  static func civil(daysSinceEpoch: Int64) -> (Int64, Int64, Int64) {
    let z = daysSinceEpoch + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let dayOfEra = z - era * 146_097
    let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
    let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
    let mp = (5 * dayOfYear + 2) / 153
    let day = dayOfYear - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
  }

  /// A JSON string literal (quotes, backslashes and control characters escaped).
  static func string(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      case "<", ">", "&": out += String(format: "\\u%04x", scalar.value)  // as Go's encoding/json
      default:
        if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
      }
    }
    return out + "\""
  }
}

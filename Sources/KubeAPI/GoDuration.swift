// Go's duration syntax as KubeProxyConfiguration and kube-proxy's flags use it ("30s", "1m0s",
// "500ms", "1h2m3.5s"): parsed into seconds, with the errors Go's time.ParseDuration gives.

/// A non-negative duration written as Go writes it.
public enum GoDuration {
  /// Seconds per unit, longest suffixes first so that "ms" is not read as "m".
  private static let units: [(String, Double)] = [
    ("ns", 1e-9), ("us", 1e-6), ("µs", 1e-6), ("μs", 1e-6), ("ms", 1e-3), ("s", 1), ("m", 60), ("h", 3600),
  ]

  /// The duration in seconds, or a reason why `text` is not one. "0" alone needs no unit;
  /// negative durations are refused (no setting kproxy reads may be negative).
  public static func seconds(_ text: String) -> Result<Double, DurationError> {
    if text == "0" { return .success(0) }
    if text.isEmpty { return .failure(DurationError(text: text, reason: "empty")) }
    if text.hasPrefix("-") { return .failure(DurationError(text: text, reason: "must not be negative")) }
    var rest = Substring(text.hasPrefix("+") ? String(text.dropFirst()) : text)
    var total = 0.0
    if rest.isEmpty { return .failure(DurationError(text: text, reason: "no number")) }
    while !rest.isEmpty {
      let number = rest.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
      guard !number.isEmpty, number != ".", number.filter({ $0 == "." }).count <= 1, let value = Double(number) else {
        return .failure(DurationError(text: text, reason: "expected a number at \"\(rest)\""))
      }
      rest = rest.dropFirst(number.count)
      guard let (unit, scale) = units.first(where: { rest.hasPrefix($0.0) }) else {
        let found = rest.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
        return .failure(
          DurationError(text: text, reason: found.isEmpty ? "missing unit (ns, us, ms, s, m, h)" : "unknown unit \"\(found)\""))
      }
      rest = rest.dropFirst(unit.count)
      total += value * scale
    }
    return .success(total)
  }
}

/// Why a text is not a Go duration.
public struct DurationError: Error, Sendable, Equatable, CustomStringConvertible {
  public var text: String
  public var reason: String
  public var description: String { "\"\(text)\" is not a duration (e.g. 30s, 1m, 500ms): \(reason)" }
}

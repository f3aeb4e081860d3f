// An exact probability (a reduced fraction), so that a choice among three endpoints prints as
// 1/3 and the branches of a trace add up to exactly 1.

/// A probability as a reduced fraction `numerator / denominator`.
public struct Probability: Sendable, Hashable, Comparable, CustomStringConvertible {
  public private(set) var numerator: UInt64
  public private(set) var denominator: UInt64

  public init(_ numerator: UInt64, _ denominator: UInt64) {
    precondition(denominator > 0, "a probability needs a positive denominator")
    let g = Self.gcd(numerator, denominator)
    self.numerator = numerator / g
    self.denominator = denominator / g
  }

  public static let one = Probability(1, 1)

  /// `self × n / d`, reduced at every step so that chains of choices stay small.
  func scaled(by n: UInt64, over d: UInt64) -> Probability {
    let g1 = Self.gcd(numerator, d)
    let g2 = Self.gcd(n, denominator)
    let (num, o1) = (numerator / g1).multipliedReportingOverflow(by: n / g2)
    let (den, o2) = (denominator / g2).multipliedReportingOverflow(by: d / g1)
    precondition(!o1 && !o2, "probability out of range")
    return Probability(num, den)
  }

  static func + (a: Probability, b: Probability) -> Probability {
    let g = gcd(a.denominator, b.denominator)
    let den = a.denominator / g * b.denominator
    return Probability(a.numerator * (b.denominator / g) + b.numerator * (a.denominator / g), den)
  }

  public var value: Double { Double(numerator) / Double(denominator) }

  public var description: String { denominator == 1 ? "\(numerator)" : "\(numerator)/\(denominator)" }

  public static func < (a: Probability, b: Probability) -> Bool {
    a.numerator.multipliedFullWidth(by: b.denominator) < b.numerator.multipliedFullWidth(by: a.denominator)
  }

  static func gcd(_ a: UInt64, _ b: UInt64) -> UInt64 {
    var (x, y) = (a, b)
    while y != 0 { (x, y) = (y, x % y) }
    return x == 0 ? 1 : x
  }
}

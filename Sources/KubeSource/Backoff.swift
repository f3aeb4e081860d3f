// Capped exponential backoff with jitter for reconnecting lists and watches; a Retry-After
// from the server takes precedence over the computed delay.

/// Delays between retries: `initial * factor^n`, capped at `maximum`, each scaled by a random
/// factor in [1 - jitter, 1 + jitter]. `reset()` after a success.
public struct Backoff: Sendable {
  public var initial: Double
  public var maximum: Double
  public var factor: Double
  public var jitter: Double
  /// How long a server's Retry-After may make the client wait, at most.
  public var maximumRetryAfter: Double
  private var failures = 0

  public init(initial: Double = 0.8, maximum: Double = 30, factor: Double = 2, jitter: Double = 0.2, maximumRetryAfter: Double = 60) {
    self.initial = initial
    self.maximum = maximum
    self.factor = factor
    self.jitter = jitter
    self.maximumRetryAfter = maximumRetryAfter
  }

  /// The delay in seconds before the next attempt; counts one more failure.
  public mutating func next(retryAfter: Double? = nil) -> Double {
    defer { failures += 1 }
    if let retryAfter { return min(max(retryAfter, 0), maximumRetryAfter) }
    var delay = initial
    for _ in 0..<min(failures, 64) where delay < maximum { delay *= factor }
    delay = min(delay, maximum)
    return delay * Double.random(in: (1 - jitter)...(1 + jitter))
  }

  public mutating func reset() { failures = 0 }

  /// Failures since the last reset.
  public var failureCount: Int { failures }
}

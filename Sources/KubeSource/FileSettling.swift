// When a changed path is read: after it has been quiet for a while (a writer that pauses less
// than that between chunks is read once, at the end), and once more after a fresh file failed.
import Foundation

/// How long a manifest file must be left alone before it is read.
public struct FileSettling: Sendable, Equatable {
  /// Quiet time after the last event for a path before it is read.
  public var quiet: Duration
  /// Quiet time after a writer closed the file or renamed it into place (IN_CLOSE_WRITE,
  /// IN_MOVED_TO): the write is complete, so the file is read almost at once. A writer that
  /// opens and closes the file per chunk is caught by the retry after a failure.
  public var afterWrite: Duration
  /// A file that fails to decode and was modified less than `freshness` ago may still be being
  /// written: it is read once more this long after, and reported only if it fails again.
  public var retryAfterFailure: Duration
  public var freshness: Duration

  public init(
    quiet: Duration = .milliseconds(75), afterWrite: Duration = .milliseconds(5), retryAfterFailure: Duration = .milliseconds(300),
    freshness: Duration = .seconds(1)
  ) {
    self.quiet = quiet
    self.afterWrite = afterWrite
    self.retryAfterFailure = retryAfterFailure
    self.freshness = freshness
  }
}

/// Paths waiting to settle, each with the moment it may be read; `everything` is a full rescan
/// (after the kernel's event queue overflowed).
struct SettlingQueue {
  typealias Instant = ContinuousClock.Instant
  private(set) var deadlines: [String: Instant] = [:]
  private(set) var everything: Instant?

  var isEmpty: Bool { deadlines.isEmpty && everything == nil }

  /// An event for `path`: it is read `quiet` after the last one.
  mutating func touch(_ path: String, now: Instant, quiet: Duration) {
    deadlines[path] = now + quiet
  }

  /// A retry: `path` is read at `moment` unless an event already put it later.
  mutating func schedule(_ path: String, at moment: Instant) {
    deadlines[path] = max(deadlines[path] ?? moment, moment)
  }

  mutating func touchEverything(now: Instant, quiet: Duration) {
    everything = now + quiet
  }

  /// The earliest deadline, if anything is waiting.
  var nextDeadline: Instant? {
    let earliest = deadlines.values.min()
    guard let everything else { return earliest }
    return min(earliest ?? everything, everything)
  }

  /// What is due at `now`: a full rescan (which covers every waiting path, so they are all
  /// taken), or the due paths in path order.
  mutating func takeDue(now: Instant) -> Due {
    if let everything, everything <= now {
      self.everything = nil
      deadlines = [:]
      return .everything
    }
    let due = deadlines.filter { $0.value <= now }.keys.sorted()
    for path in due { deadlines[path] = nil }
    return .paths(due)
  }

  enum Due: Equatable {
    case everything
    case paths([String])
  }
}

// Faults the test injects into the server: failed requests (5xx with Retry-After), slow watch
// streams, and the requests the server has seen (so a test can check what the client asked for).
import Foundation

/// A request failure to inject: the next `count` requests whose path and query contain `matching`.
public struct InjectedFailure: Sendable {
  public var count: Int
  public var status: Int
  public var retryAfterSeconds: Int?
  public var matching: String?

  public init(count: Int, status: Int = 503, retryAfterSeconds: Int? = nil, matching: String? = nil) {
    self.count = count
    self.status = status
    self.retryAfterSeconds = retryAfterSeconds
    self.matching = matching
  }
}

/// The server's fault settings and request log, shared by all connections.
final class FaultPlan: @unchecked Sendable {
  private let lock = NSLock()
  private var failures: [InjectedFailure] = []
  private var log: [String] = []
  var slowDelay: Double {
    get { lock.withLock { _slowDelay } }
    set { lock.withLock { _slowDelay = newValue } }
  }
  private var _slowDelay: Double = 0
  /// Answer a watch from a compacted resourceVersion with HTTP 410 instead of a 200 stream
  /// holding one ERROR event (the API server does either, depending on where the watch is served).
  var goneAsHTTPStatus: Bool {
    get { lock.withLock { _goneAsHTTPStatus } }
    set { lock.withLock { _goneAsHTTPStatus = newValue } }
  }
  private var _goneAsHTTPStatus = false

  private var compactions: [String] = []

  func add(_ failure: InjectedFailure) { lock.withLock { failures.append(failure) } }

  /// Compacts the store just before the next request whose URI contains `matching`.
  func compactBefore(matching: String) { lock.withLock { compactions.append(matching) } }

  /// Whether the store is to be compacted before answering `uri` (once per registration).
  func takeCompaction(uri: String) -> Bool {
    lock.withLock {
      guard let index = compactions.firstIndex(where: { uri.contains($0) }) else { return false }
      compactions.remove(at: index)
      return true
    }
  }

  /// Records the request and returns the failure to answer it with, if one is due.
  func take(method: String, uri: String) -> InjectedFailure? {
    lock.withLock {
      log.append("\(method) \(uri)")
      guard let index = failures.firstIndex(where: { $0.count > 0 && ($0.matching.map { uri.contains($0) } ?? true) }) else {
        return nil
      }
      failures[index].count -= 1
      let failure = failures[index]
      if failure.count == 0 { failures.remove(at: index) }
      return failure
    }
  }

  var requests: [String] { lock.withLock { log } }
}

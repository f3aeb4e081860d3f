// One open watch: which objects it covers, and how its event lines reach the connection
// (at once, or slowly in pieces when the test asks for slow streams); ends cleanly or abruptly.
import Foundation

/// How a watch stream ends.
public enum WatchEnding: Sendable {
  /// The response ends properly (as when the server's watch timeout expires).
  case clean
  /// An ERROR event with a 410 Status, then a clean end (as when a watcher falls too far behind).
  case expired
  /// The connection is closed with half an event line written (an abrupt disconnect mid-stream).
  case abrupt
  /// An ERROR event with a 500 Status (InternalError), then a clean end.
  case internalError
}

/// Where a subscription's bytes go: implemented over a NIO channel by the request handler.
protocol WatchSink: Sendable {
  /// Writes `bytes` as one chunk, `delay` seconds after the previous piece was written.
  func write(_ bytes: Data, after delay: Double)
  /// Ends the response (clean) or closes the connection (abrupt), `delay` seconds after the previous piece.
  func finish(abrupt: Bool, after delay: Double)
}

/// A watcher registered with the store. Filters changes by resource, namespace and selector and
/// turns a change that moves an object into or out of the selector into ADDED or DELETED.
final class WatchSubscription: @unchecked Sendable {
  let resource: APIResource
  let namespace: String?
  let selector: Selector
  let bookmarks: Bool
  private let sink: WatchSink
  private let lock = NSLock()
  private var slowDelay: Double = 0
  private var finished = false
  private var lastResourceVersion = 0

  init(resource: APIResource, namespace: String?, selector: Selector, bookmarks: Bool, slowDelay: Double, sink: WatchSink) {
    self.resource = resource
    self.namespace = namespace
    self.selector = selector
    self.bookmarks = bookmarks
    self.slowDelay = slowDelay
    self.sink = sink
  }

  private func covers(_ object: StoredObject?) -> Bool {
    guard let object, object.key.resource == resource.name else { return false }
    return (namespace == nil || object.key.namespace == namespace) && selector.matches(object)
  }

  /// Sends the change if this watch covers it.
  func offer(_ change: StoreChange) {
    let now = covers(change.object)
    let before = change.type == .added ? false : covers(change.previous)
    let type: WatchEventType
    switch (before, now, change.type) {
    case (_, _, .deleted): guard before else { return }; type = .deleted
    case (false, true, _): type = .added
    case (true, true, _): type = .modified
    case (true, false, _): type = .deleted
    default: return
    }
    send(watchEventLine(type, objectJSON: change.object.json), resourceVersion: change.resourceVersion)
  }

  /// Sends a BOOKMARK at `resourceVersion` if the client asked for bookmarks.
  func bookmark(at resourceVersion: Int) {
    guard bookmarks else { return }
    let object =
      "{\"apiVersion\":\"\(resource.groupVersion)\",\"kind\":\"\(resource.kind)\",\"metadata\":{\"resourceVersion\":\"\(resourceVersion)\"}}"
    send(watchEventLine(.bookmark, objectJSON: Data(object.utf8)), resourceVersion: resourceVersion)
  }

  private func send(_ line: Data, resourceVersion: Int) {
    lock.withLock {
      guard !finished else { return }
      lastResourceVersion = max(lastResourceVersion, resourceVersion)
      if slowDelay > 0 {
        // Half a line, a pause, the rest: the client must join pieces that split an event.
        let half = line.count / 2
        sink.write(line.prefix(half), after: slowDelay)
        sink.write(line.suffix(from: line.startIndex + half), after: slowDelay)
      } else {
        sink.write(line, after: 0)
      }
    }
  }

  /// Ends the stream as `ending` says; later changes are not sent.
  func end(_ ending: WatchEnding) {
    lock.withLock {
      guard !finished else { return }
      finished = true
      let delay = slowDelay
      switch ending {
      case .clean: sink.finish(abrupt: false, after: delay)
      case .expired, .internalError:
        let status =
          ending == .expired
          ? APIStatus.tooOld(lastResourceVersion, oldest: lastResourceVersion + 1)
          : APIStatus(code: 500, reason: "InternalError", message: "an error on the server has prevented the watch")
        let json = (try? JSONSerialization.data(withJSONObject: status.object, options: [.sortedKeys])) ?? Data()
        sink.write(watchEventLine(.error, objectJSON: json), after: delay)
        sink.finish(abrupt: false, after: 0)
      case .abrupt:
        sink.write(Data("{\"type\":\"MODIFIED\",\"object\":{\"kind\":".utf8), after: delay)
        sink.finish(abrupt: true, after: 0)
      }
    }
  }

  /// Makes later events of this stream slow (`delay` seconds per half line), or fast again with 0.
  func setSlow(_ delay: Double) { lock.withLock { slowDelay = delay } }

  /// The connection went away: nothing more is sent.
  func markClosed() { lock.withLock { finished = true } }

  var isFinished: Bool { lock.withLock { finished } }

}

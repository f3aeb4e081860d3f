// The list + watch loop of one resource (client-go's reflector): a paginated list, then watches
// from its resourceVersion (bookmarks advance it), relists on 410 Gone, reconnects with backoff.
import AsyncHTTPClient
import Foundation
import KubeAPI
import NIOCore

/// Lists and watches one resource and delivers ResourceEvents until the consumer stops iterating.
public struct ListWatch: Sendable {
  public let client: APIClient
  public let resource: KubeResource
  public let options: ListWatchOptions
  public let backoff: Backoff

  public init(client: APIClient, resource: KubeResource, options: ListWatchOptions = .init(), backoff: Backoff = .init()) {
    self.client = client
    self.resource = resource
    self.options = options
    self.backoff = backoff
  }

  /// The events; iterating ends only when the consuming task is cancelled or the stream dropped.
  public func events() -> AsyncStream<ResourceEvent> {
    AsyncStream { continuation in
      let task = Task { await run(continuation) }
      continuation.onTermination = { _ in task.cancel() }
    }
  }

  private func run(_ out: AsyncStream<ResourceEvent>.Continuation) async {
    var backoff = self.backoff
    var resourceVersion: String?
    var synced = false
    while !Task.isCancelled {
      guard let from = resourceVersion else {
        do {
          let listed = try await list(out)
          out.yield(.replaced(listed.objects, rejected: Set(listed.rejected.compactMap(\.key))))
          for rejected in listed.rejected { out.yield(.rejected(rejected)) }
          if !synced {
            synced = true
            out.yield(.synced)
          }
          resourceVersion = listed.resourceVersion
          backoff.reset()
        } catch {
          let delay = backoff.next(retryAfter: (error as? APIError)?.retryAfter)
          if options.emptyWhenNotServed, (error as? APIError)?.status == 404 {
            // Not served: nothing of this kind exists; do not hold back the sync.
            out.yield(.replaced([], rejected: []))
            if !synced {
              synced = true
              out.yield(.synced)
            }
            out.yield(
              .interrupted(
                reason: "list \(resource): not served by this API server (HTTP 404); taken as empty", retryDelay: delay, relist: true))
            await Self.sleep(delay)
            continue
          }
          out.yield(.interrupted(reason: "list \(resource): \(error)", retryDelay: delay, relist: true))
          await Self.sleep(delay)
        }
        continue
      }
      var session = WatchSession(resourceVersion: from)
      let outcome = await watch(&session, out)
      resourceVersion = session.resourceVersion
      if session.sawEvents { backoff.reset() }
      switch outcome {
      case .closed where session.sawEvents || session.duration >= 1:
        continue
      case .closed:
        let delay = backoff.next()
        out.yield(.interrupted(reason: "watch \(resource): closed by the server at once", retryDelay: delay, relist: false))
        await Self.sleep(delay)
      case .gone(let reason):
        resourceVersion = nil
        out.yield(.interrupted(reason: "watch \(resource): \(reason)", retryDelay: 0, relist: true))
      case .failed(let error):
        let delay = backoff.next(retryAfter: error.retryAfter)
        out.yield(.interrupted(reason: "watch \(resource): \(error)", retryDelay: delay, relist: false))
        await Self.sleep(delay)
      }
    }
    out.finish()
  }

  static func sleep(_ seconds: Double) async {
    try? await Task.sleep(nanoseconds: UInt64(max(seconds, 0) * 1_000_000_000))
  }

  // MARK: list

  struct Listed {
    var objects: [APIObject] = []
    var rejected: [RejectedObject] = []
    var resourceVersion = ""
  }

  /// All pages of the list. An expired continue token (410) starts the list over, up to 3 times.
  func list(_ out: AsyncStream<ResourceEvent>.Continuation) async throws -> Listed {
    let decoder = APIObjectDecoder(resource: resource)
    var restarts = 0
    var listed = Listed()
    var continueToken: String?
    while true {
      var query = options.selectorQuery
      query.append(("limit", String(options.pageSize)))
      if let continueToken { query.append(("continue", continueToken)) }
      let body: ByteBuffer
      do {
        body = try await client.get(resource.path(namespace: options.namespace), query: query)
      } catch let error as APIError where error.isGone && continueToken != nil && restarts < 3 {
        restarts += 1
        out.yield(.interrupted(reason: "list \(resource): \(error)", retryDelay: 0, relist: true))
        listed = Listed()
        continueToken = nil
        continue
      }
      // One parse of the page: its metadata and items from the same JSON tape.
      guard let page = decoder.decodePage(Array(body.readableBytesView), source: "list \(resource)") else {
        throw APIError(message: "list \(resource): the response is not a \(resource.kind)List")
      }
      for outcome in page.outcomes {
        switch outcome {
        case .object(let object): listed.objects.append(object)
        case .rejected(let rejected): listed.rejected.append(rejected)
        }
      }
      listed.resourceVersion = page.resourceVersion
      continueToken = page.continueToken
      if continueToken == nil { break }
    }
    guard !listed.resourceVersion.isEmpty else {
      throw APIError(message: "list \(resource): the response has no metadata.resourceVersion")
    }
    return listed
  }

  // MARK: watch

  struct WatchSession {
    var resourceVersion: String
    var sawEvents = false
    let started = Date()
    var duration: Double { Date().timeIntervalSince(started) }
  }

  enum WatchOutcome {
    /// The server ended the stream.
    case closed
    /// 410: the resourceVersion is too old; relist.
    case gone(String)
    case failed(APIError)
  }

  /// One watch request from `session.resourceVersion`, applied event by event.
  func watch(_ session: inout WatchSession, _ out: AsyncStream<ResourceEvent>.Continuation) async -> WatchOutcome {
    var query = options.selectorQuery
    query += [
      ("watch", "1"), ("resourceVersion", session.resourceVersion), ("allowWatchBookmarks", "true"),
      ("timeoutSeconds", String(options.watchTimeoutSeconds)),
    ]
    let decoder = APIObjectDecoder(resource: resource)
    var stream = WatchStreamDecoder(maxLineBytes: ManifestDecoder.maxDocumentBytes)
    do {
      let deadline = NIODeadline.now() + .seconds(Int64(options.watchTimeoutSeconds) + 30)
      let response = try await client.start(resource.path(namespace: options.namespace), query: query, deadline: deadline)
      for try await chunk in response.body {
        for line in try stream.feed(chunk.readableBytesView) {
          if let outcome = apply(line, decoder: decoder, &session, out) { return outcome }
        }
      }
      return .closed
    } catch let error as APIError {
      return error.isGone ? .gone(error.description) : .failed(error)
    } catch {
      return .failed(APIError(message: "\(error)"))
    }
  }

  /// Applies one watch event; returns an outcome when it ends the watch (ERROR, malformed).
  private func apply(
    _ line: APIWatchEvent, decoder: APIObjectDecoder, _ session: inout WatchSession, _ out: AsyncStream<ResourceEvent>.Continuation
  ) -> WatchOutcome? {
    if line.type == "ERROR" {
      let status = line.status
      let message = "ERROR event: " + (status.message ?? "no message")
      if status.code == 410 { return .gone(message) }
      return .failed(APIError(status: status.code, reason: status.reason, message: message))
    }
    guard let version = line.resourceVersion, !version.isEmpty else {
      return .failed(APIError(message: "a \(line.type) event without metadata.resourceVersion"))
    }
    switch line.type {
    case "ADDED", "MODIFIED", "DELETED":
      switch decoder.decode(line, source: "watch \(resource)") {
      case .object(let object):
        out.yield(line.type == "ADDED" ? .added(object) : line.type == "MODIFIED" ? .modified(object) : .deleted(object))
      case .rejected(let rejected):
        out.yield(.rejected(rejected))
      }
      session.resourceVersion = version
      session.sawEvents = true
      return nil
    case "BOOKMARK":
      session.resourceVersion = version
      return nil
    default:
      return .failed(APIError(message: "unknown watch event type \(line.type)"))
    }
  }
}

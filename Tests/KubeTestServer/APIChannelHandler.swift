// The NIO handler of one connection: collects a request, checks the bearer token or client
// certificate, answers through APIRouter, and for a watch keeps the response open as a chunked stream.
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// Authentication the server demands: a bearer token, a verified client certificate, either, or none.
final class AuthPolicy: @unchecked Sendable {
  private let lock = NSLock()
  private var _token: String?
  let acceptsClientCertificates: Bool

  init(token: String?, acceptsClientCertificates: Bool) {
    _token = token
    self.acceptsClientCertificates = acceptsClientCertificates
  }

  /// The accepted bearer token; the test may change it (token rotation).
  var token: String? {
    get { lock.withLock { _token } }
    set { lock.withLock { _token = newValue } }
  }
  var required: Bool { token != nil || acceptsClientCertificates }
}

final class APIChannelHandler: ChannelInboundHandler, RemovableChannelHandler {
  typealias InboundIn = HTTPServerRequestPart
  typealias OutboundOut = HTTPServerResponsePart

  private let router: APIRouter
  private let faults: FaultPlan
  private let auth: AuthPolicy
  private let onWatch: @Sendable (WatchSubscription, Channel) -> Void
  private var head: HTTPRequestHead?
  private var body = Data()
  private var watchID: Int?
  private var subscription: WatchSubscription?

  init(router: APIRouter, faults: FaultPlan, auth: AuthPolicy, onWatch: @escaping @Sendable (WatchSubscription, Channel) -> Void) {
    self.router = router
    self.faults = faults
    self.auth = auth
    self.onWatch = onWatch
  }

  func channelRead(context: ChannelHandlerContext, data: NIOAny) {
    switch unwrapInboundIn(data) {
    case .head(let head):
      self.head = head
      body = Data()
    case .body(var buffer):
      if let bytes = buffer.readBytes(length: buffer.readableBytes) { body.append(contentsOf: bytes) }
    case .end:
      guard let head else { return }
      self.head = nil
      respond(context: context, head: head)
    }
  }

  func channelInactive(context: ChannelHandlerContext) {
    if let watchID { router.store.unwatch(watchID) }
    subscription?.markClosed()
    context.fireChannelInactive()
  }

  private func respond(context: ChannelHandlerContext, head: HTTPRequestHead) {
    if let failure = faults.take(method: head.method.rawValue, uri: head.uri) {
      let status = APIStatus(code: failure.status, reason: "InternalError", message: "injected failure")
      var headers: [(String, String)] = []
      if let seconds = failure.retryAfterSeconds { headers.append(("Retry-After", String(seconds))) }
      writeJSON(context: context, head: head, code: failure.status, body: status.json, extraHeaders: headers)
      return
    }
    if faults.takeCompaction(uri: head.uri) { router.store.compact(afterUnrelatedWrite: true) }
    guard authorized(context: context, head: head) else {
      writeJSON(context: context, head: head, code: 401, body: APIStatus.unauthorized.json)
      return
    }
    let components = URLComponents(string: head.uri)
    var query: [String: String] = [:]
    for item in components?.queryItems ?? [] { query[item.name] = item.value ?? "" }
    let request = APIRequest(
      method: head.method.rawValue, path: components?.path ?? head.uri, query: query,
      contentType: head.headers.first(name: "content-type"), body: body)
    switch router.route(request) {
    case .json(let code, let body):
      writeJSON(context: context, head: head, code: code, body: body)
    case .watch(let target, let selector, let resourceVersion, let bookmarks, let timeout):
      let oldest = router.store.oldestWatchableResourceVersion
      if faults.goneAsHTTPStatus, let resourceVersion, resourceVersion > 0, resourceVersion < oldest {
        writeJSON(context: context, head: head, code: 410, body: APIStatus.tooOld(resourceVersion, oldest: oldest).json)
        return
      }
      startWatch(context: context, target: target, selector: selector, from: resourceVersion, bookmarks: bookmarks, timeout: timeout)
    }
  }

  private func authorized(context: ChannelHandlerContext, head: HTTPRequestHead) -> Bool {
    guard auth.required else { return true }
    if let token = auth.token, head.headers.first(name: "authorization") == "Bearer \(token)" { return true }
    // The TLS handler has verified the certificate against the client CA before handing it out.
    return auth.acceptsClientCertificates && (try? context.pipeline.syncOperations.nioSSL_peerCertificate()) != nil
  }

  private func startWatch(
    context: ChannelHandlerContext, target: ResourcePath, selector: Selector, from resourceVersion: Int?, bookmarks: Bool,
    timeout: Int?
  ) {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: "application/json")
    headers.add(name: "Transfer-Encoding", value: "chunked")
    let sink = ChannelWatchSink(channel: context.channel)
    let subscription = WatchSubscription(
      resource: target.resource, namespace: target.namespace, selector: selector, bookmarks: bookmarks,
      slowDelay: faults.slowDelay, sink: sink)
    let id: Int
    do {
      // Registering sends the backlog through the sink; the head must be written first.
      context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .ok, headers: headers))), promise: nil)
      context.flush()
      id = try router.store.watch(
        target.resource, namespace: target.namespace, selector: selector, from: resourceVersion, subscription: subscription)
    } catch {
      // Compacted past the requested resourceVersion: an ERROR event, as the watch cache sends it.
      sink.write(watchEventLine(.error, objectJSON: error.json), after: 0)
      sink.finish(abrupt: false, after: 0)
      return
    }
    watchID = id
    self.subscription = subscription
    onWatch(subscription, context.channel)
    if let timeout, timeout > 0 {
      context.eventLoop.scheduleTask(in: .seconds(Int64(timeout))) { subscription.end(.clean) }
    }
  }

  private func writeJSON(
    context: ChannelHandlerContext, head: HTTPRequestHead, code: Int, body: Data, extraHeaders: [(String, String)] = []
  ) {
    var headers = HTTPHeaders()
    headers.add(name: "Content-Type", value: "application/json")
    headers.add(name: "Content-Length", value: String(body.count))
    for (name, value) in extraHeaders { headers.add(name: name, value: value) }
    if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
    let responseHead = HTTPResponseHead(version: head.version, status: HTTPResponseStatus(statusCode: code), headers: headers)
    context.write(wrapOutboundOut(.head(responseHead)), promise: nil)
    context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(bytes: body)))), promise: nil)
    let keepAlive = head.isKeepAlive
    let channel = context.channel
    context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
      if !keepAlive { channel.close(promise: nil) }
    }
  }
}

/// Writes a watch stream's pieces to a channel in order, each `delay` after the previous one.
final class ChannelWatchSink: WatchSink, @unchecked Sendable {
  private let channel: Channel
  private let lock = NSLock()
  /// Completes when the last piece queued so far has been written.
  private var tail: EventLoopFuture<Void>

  init(channel: Channel) {
    self.channel = channel
    tail = channel.eventLoop.makeSucceededVoidFuture()
  }

  func write(_ bytes: Data, after delay: Double) {
    let channel = self.channel
    enqueue(delay) {
      channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(bytes: bytes))), promise: nil)
    }
  }

  func finish(abrupt: Bool, after delay: Double) {
    let channel = self.channel
    enqueue(delay) {
      if abrupt {
        channel.close(promise: nil)
      } else {
        channel.writeAndFlush(HTTPServerResponsePart.end(nil)).whenComplete { _ in channel.close(promise: nil) }
      }
    }
  }

  private func enqueue(_ delay: Double, _ action: @escaping @Sendable () -> Void) {
    let loop = channel.eventLoop
    lock.withLock {
      tail = tail.flatMap {
        if delay <= 0 {
          action()
          return loop.makeSucceededVoidFuture()
        }
        return loop.scheduleTask(in: .milliseconds(Int64(delay * 1000))) { action() }.futureResult
      }
    }
  }
}

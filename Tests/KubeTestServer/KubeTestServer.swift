// The in-process test API server: listens on 127.0.0.1 (ephemeral port), plain HTTP or TLS with
// optional client certificates, and lets the test drive the store and inject faults.
import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import NIOSSL

/// PEM files for a TLS server: its certificate and key, and the CA that signs accepted client certificates.
public struct ServerTLSFiles: Sendable {
  public var certificate: String
  public var privateKey: String
  /// When set, client certificates signed by this CA authenticate a request.
  public var clientCA: String?

  public init(certificate: String, privateKey: String, clientCA: String? = nil) {
    self.certificate = certificate
    self.privateKey = privateKey
    self.clientCA = clientCA
  }
}

/// A Kubernetes API server for tests. `shutdown()` it at the end of the test.
public final class KubeTestServer: Sendable {
  public let store: ObjectStore
  public let port: Int
  public let isTLS: Bool
  private let faults: FaultPlan
  private let channel: Channel
  private let group: MultiThreadedEventLoopGroup
  private let watches: WatchRegistry
  private let auth: AuthPolicy

  /// `https://127.0.0.1:PORT` or `http://…`.
  public var url: String { "\(isTLS ? "https" : "http")://127.0.0.1:\(port)" }

  private init(
    store: ObjectStore, port: Int, isTLS: Bool, faults: FaultPlan, channel: Channel, group: MultiThreadedEventLoopGroup,
    watches: WatchRegistry, auth: AuthPolicy
  ) {
    self.auth = auth
    self.store = store
    self.port = port
    self.isTLS = isTLS
    self.faults = faults
    self.channel = channel
    self.group = group
    self.watches = watches
  }

  /// Starts a server. With `token`, requests need `Authorization: Bearer TOKEN` (or a client certificate).
  public static func start(tls: ServerTLSFiles? = nil, token: String? = nil, store: ObjectStore = ObjectStore()) async throws
    -> KubeTestServer
  {
    let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
    let faults = FaultPlan()
    let watches = WatchRegistry()
    let sslContext = try tls.map { tls in
      var configuration = TLSConfiguration.makeServerConfiguration(
        certificateChain: try NIOSSLCertificate.fromPEMFile(tls.certificate).map { .certificate($0) },
        privateKey: .privateKey(try NIOSSLPrivateKey(file: tls.privateKey, format: .pem)))
      if let ca = tls.clientCA {
        configuration.trustRoots = .file(ca)
        configuration.certificateVerification = .optionalVerification
      }
      configuration.shutdownTimeout = .milliseconds(100)  // a closing test need not wait for close_notify
      return try NIOSSLContext(configuration: configuration)
    }
    let auth = AuthPolicy(token: token, acceptsClientCertificates: tls?.clientCA != nil)
    let address = AddressBox()
    let bootstrap = ServerBootstrap(group: group)
      .serverChannelOption(.backlog, value: 256)
      .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
      .childChannelInitializer { channel in
        channel.eventLoop.makeCompletedFuture {
          if let sslContext { try channel.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: sslContext)) }
          try channel.pipeline.syncOperations.configureHTTPServerPipeline(withErrorHandling: true)
          let router = APIRouter(store: store, serverAddress: address.value)
          try channel.pipeline.syncOperations.addHandler(
            APIChannelHandler(router: router, faults: faults, auth: auth) { subscription, _ in watches.add(subscription) })
        }
      }
    let channel = try await bootstrap.bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    address.value = "127.0.0.1:\(port)"
    return KubeTestServer(
      store: store, port: port, isTLS: tls != nil, faults: faults, channel: channel, group: group, watches: watches, auth: auth)
  }

  public func shutdown() async throws {
    for watch in watches.open { watch.end(.abrupt) }
    try await channel.close()
    try await group.shutdownGracefully()
  }

  // MARK: faults

  /// Answers the next matching requests with `failure.status` (and a Retry-After header if given).
  public func inject(_ failure: InjectedFailure) { faults.add(failure) }

  /// Compacts the store (after an unrelated write) right before answering the next request whose
  /// URI contains `matching` (e.g. "continue=" to expire a list's continue token between its pages).
  public func compactBefore(matching: String) { faults.compactBefore(matching: matching) }

  /// Ends every open watch (of `resource`, or all) as `ending` says.
  public func endWatches(_ ending: WatchEnding, resource: APIResource? = nil) {
    for watch in watches.open where resource == nil || watch.resource == resource { watch.end(ending) }
  }

  /// Makes watch streams (open and future) write each event in two halves `delay` seconds apart; 0 for normal speed.
  public func setSlowStreams(_ delay: Double) {
    faults.slowDelay = delay
    for watch in watches.open { watch.setSlow(delay) }
  }

  /// Answers watches from a compacted resourceVersion with HTTP 410 (true) or an ERROR event (false, the default).
  public func setWatchGoneAsHTTPStatus(_ value: Bool) { faults.goneAsHTTPStatus = value }

  /// Watches that are open now (of `resource`, or all).
  public func openWatchCount(_ resource: APIResource? = nil) -> Int {
    watches.open.filter { resource == nil || $0.resource == resource }.count
  }

  /// Changes the accepted bearer token (a rotated service-account token).
  public func acceptToken(_ token: String) { auth.token = token }

  /// Every request so far, as "METHOD URI".
  public var requests: [String] { faults.requests }
}

/// The watch subscriptions started on this server; finished ones drop out.
final class WatchRegistry: @unchecked Sendable {
  private let lock = NSLock()
  private var subscriptions: [WatchSubscription] = []

  func add(_ subscription: WatchSubscription) {
    lock.withLock {
      subscriptions.removeAll { $0.isFinished }
      subscriptions.append(subscription)
    }
  }

  var open: [WatchSubscription] { lock.withLock { subscriptions.filter { !$0.isFinished } } }
}

/// The listening address, known only after bind; read by connections made later.
final class AddressBox: @unchecked Sendable {
  private let lock = NSLock()
  private var _value = ""
  var value: String {
    get { lock.withLock { _value } }
    set { lock.withLock { _value = newValue } }
  }
}

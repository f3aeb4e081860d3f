// Health-check node ports (kube-proxy's service_health.go): one HTTP listener per
// `externalTrafficPolicy: Local` service on its healthCheckNodePort, 200 with local endpoints, else 503.
import Foundation
import KubeAPI
import NIOHTTP1
import NIOPosix

/// What one service's health check needs: its port and its ready endpoints on this node.
public struct ServiceHealthCheck: Sendable, Hashable {
  /// spec.healthCheckNodePort.
  public var port: Int
  /// Ready endpoints of the service on this node.
  public var localEndpoints: Int

  public init(port: Int, localEndpoints: Int) {
    self.port = port
    self.localEndpoints = localEndpoints
  }
}

/// A listener that could not be opened (the port is in use, or the address is not on this host).
public struct ServiceHealthListenError: Error, Sendable, CustomStringConvertible {
  public var service: NamespacedName
  public var address: String
  public var port: Int
  public var reason: String
  public var description: String { "service \(service): health check on \(address):\(port): \(reason)" }
}

/// The health-check listeners of all services; `sync` makes them follow the services.
public actor ServiceHealthServers {
  /// The addresses each port is opened on (kube-proxy: the node IPs matching nodePortAddresses, or all).
  public let addresses: [String]
  private let health: ProxyHealth
  private let group: MultiThreadedEventLoopGroup
  private let table = LocalEndpointTable()
  private var open: [NamespacedName: (port: Int, servers: [HTTPEndpointServer])] = [:]

  /// `health` gives `serviceProxyHealthy` (a service is served only while the proxy is healthy).
  public init(addresses: [String] = ["0.0.0.0"], health: ProxyHealth, group: MultiThreadedEventLoopGroup = .singleton) {
    self.addresses = addresses
    self.health = health
    self.group = group
  }

  /// Opens listeners for new services, closes those of services gone or moved to another port, and
  /// updates endpoint counts. A port that cannot be opened is reported and retried at the next sync;
  /// the other services are not affected.
  @discardableResult
  public func sync(_ services: [NamespacedName: ServiceHealthCheck]) async -> [ServiceHealthListenError] {
    table.set(services.mapValues(\.localEndpoints))
    for (name, entry) in open where services[name]?.port != entry.port {
      for server in entry.servers { await server.close() }
      open[name] = nil
    }
    var errors: [ServiceHealthListenError] = []
    for (name, check) in services.sorted(by: { $0.key < $1.key }) where open[name] == nil {
      var servers: [HTTPEndpointServer] = []
      do {
        for address in addresses {
          let route = Self.route(name, table: table, health: health)
          servers.append(try await HTTPEndpointServer.start(host: address, port: check.port, group: group, route: route))
        }
        open[name] = (check.port, servers)
      } catch {
        for server in servers { await server.close() }
        errors.append(
          ServiceHealthListenError(service: name, address: addresses[servers.count], port: check.port, reason: "\(error)"))
      }
    }
    return errors
  }

  /// The services with open listeners and their ports.
  public var listening: [NamespacedName: Int] { open.mapValues(\.port) }

  /// Closes every listener.
  public func closeAll() async { await sync([:]) }

  static func route(_ name: NamespacedName, table: LocalEndpointTable, health: ProxyHealth) -> HTTPRoute {
    { _ in reply(name, localEndpoints: table.count(name), proxyHealthy: health.isHealthy) }
  }

  /// kube-proxy's hcHandler answer: 200 with local endpoints and a healthy proxy, else 503; the body
  /// is its tab-indented JSON; X-Load-Balancing-Endpoint-Weight carries the endpoint count. Any path.
  public static func reply(_ name: NamespacedName, localEndpoints: Int, proxyHealthy: Bool) -> HTTPReply {
    let body = """
      {
      \t"service": {
      \t\t"namespace": \(GoText.string(name.namespace)),
      \t\t"name": \(GoText.string(name.name))
      \t},
      \t"localEndpoints": \(localEndpoints),
      \t"serviceProxyHealthy": \(proxyHealthy)
      }
      """
    return HTTPReply(
      status: localEndpoints != 0 && proxyHealthy ? .ok : .serviceUnavailable,
      headers: [
        "Content-Type": "application/json", "X-Content-Type-Options": "nosniff",
        "X-Load-Balancing-Endpoint-Weight": String(localEndpoints),
      ], body: body)
  }
}

/// Local endpoint counts by service, read by the listeners' routes on the event loops.
final class LocalEndpointTable: @unchecked Sendable {
  private let lock = NSLock()
  private var counts: [NamespacedName: Int] = [:]

  func set(_ counts: [NamespacedName: Int]) { lock.withLock { self.counts = counts } }
  func count(_ name: NamespacedName) -> Int { lock.withLock { counts[name] ?? 0 } }
}

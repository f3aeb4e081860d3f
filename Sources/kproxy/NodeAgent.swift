// Wires `kproxy run` together: sources (manifest watcher, API list+watch) → ObjectHub → SyncLoop
// (nftables or dry-run) → kernel; HTTP servers, conntrack cleanup and logs hang off the loop.
import AgentHTTP
import Dataplane
import Foundation
import KubeAPI
import KubeSource
import Logging
import NFTNetlink
import ServiceProxy
import Synchronization

enum NodeAgent {
  /// Runs the agent until SIGTERM or SIGINT; returns the exit status (0 after a signal).
  static func runUntilSignalled(_ settings: AgentSettings) -> Int32 {
    let logger = AgentLog.make(verbose: settings.verbose)
    let onSignal: @Sendable (Int32) -> Void = { number in
      logger.notice("\(number == SIGTERM ? "SIGTERM" : "SIGINT"): stopping; kproxy's rules stay in place (kproxy cleanup removes them)")
    }
    let status = try? runBlocking(cancelOnSignals: true, onSignal: onSignal) { () async -> Int32 in
      do {
        try await run(settings, logger: logger)
      } catch is CancellationError {
      } catch {
        logger.error("\(error)")
        return 2
      }
      return 0
    }
    return status ?? 2
  }

  static func run(_ s: AgentSettings, logger: Logger) async throws {
    for w in s.warnings { logger.warning("\(w)") }
    let metrics = ProxyMetrics()
    let health = ProxyHealth(healthTimeout: 2 * s.syncPeriod)
    let wake = LoopWake()
    let hub = ObjectHub(
      settings: s.node, config: s.config, systemHostname: ProcessInfo.processInfo.hostName,
      changed: { wake.changed() }, notify: { AgentLog.report($0, logger: logger, metrics: metrics) })

    let agentMode = try await AgentMode.make(s, metrics: metrics, logger: logger)
    let mode = agentMode.mode
    let serviceHealth = ServiceHealthServers(health: health)
    let afterSync = AfterSync(
      mode: agentMode.servicePorts, hub: hub, namespace: s.namespace, cleansConntrack: agentMode.cleansConntrack,
      serviceHealth: serviceHealth, metrics: metrics, logger: logger)
    let observer = AgentObserver(logger: logger, metrics: metrics, health: health, afterSync: afterSync)
    let loop = SyncLoop(
      mode: mode,
      drain: {
        if let changes = await hub.drain() { return changes }
        return ProxyChanges(node: await hub.node())
      }, observer: observer,
      minSyncPeriod: .milliseconds(Int(s.minSyncPeriod * 1000)), syncPeriod: .milliseconds(Int(s.syncPeriod * 1000)))
    wake.set(loop)

    var servers: [HTTPEndpointServer] = []
    defer {
      let closing = servers
      Task {
        for server in closing { await server.close() }
        await serviceHealth.closeAll()
      }
    }
    if let (host, port) = s.healthz {
      let routes = HealthzRoutes(health: health, metrics: metrics)
      servers.append(try await Self.listen("healthz", host, port) { routes.reply(path: $0) })
      logger.info("healthz on \(host):\(servers.last!.port) (/healthz, /livez)")
    }
    if let (host, port) = s.metrics {
      let routes = MetricsRoutes(metrics: metrics, proxyMode: agentMode.name)
      servers.append(try await Self.listen("metrics", host, port) { routes.reply(path: $0) })
      logger.info("metrics on \(host):\(servers.last!.port) (/metrics)")
    }

    var watcher: ManifestFolderWatcher?
    defer { watcher?.stop() }
    var client: APIClient?
    defer { if let client { Task { try? await client.shutdown() } } }
    try await withThrowingTaskGroup(of: Void.self) { group in
      if !s.manifests.isEmpty {
        await hub.register(source: ObjectHub.manifestsSource)
        let w: ManifestFolderWatcher
        do {
          w = try ManifestFolderWatcher(paths: s.manifests)
        } catch {
          throw UserError(description: "cannot watch \(s.manifests.joined(separator: ", ")): \(error)")
        }
        watcher = w
        logger.info("watching \(s.manifests.joined(separator: ", "))")
        group.addTask { for await event in w.events { await hub.apply(event) } }
      }
      if let connection = s.connection {
        let c = try APIClient(connection: connection)
        client = c
        logger.info("watching the API server at \(connection.server)")
        let hostname = s.node.hostname(config: s.config, systemHostname: ProcessInfo.processInfo.hostName)
        for (resource, options) in KubeResource.agentWatches(hostname: hostname) {
          let source = KubeObjectStore.apiSourceName(resource.name)
          await hub.register(source: source)
          let events = ListWatch(client: c, resource: resource, options: options).events()
          group.addTask { for await event in events { await hub.apply(event, from: source) } }
        }
      }
      // The loop runs in this task: sources may finish (standard input is read once), the
      // agent runs until the signal cancels it.
      while !(await hub.isSynced) {
        try await Task.sleep(for: .milliseconds(20))
      }
      logger.info("every source has delivered its initial state: syncing")
      await loop.run()
      await agentMode.shutdown()
      group.cancelAll()
    }
  }

  static func listen(_ what: String, _ host: String, _ port: Int, route: @escaping HTTPRoute) async throws -> HTTPEndpointServer {
    do {
      return try await HTTPEndpointServer.start(host: host, port: port, route: route)
    } catch {
      throw UserError(description: "cannot serve \(what) on \(host):\(port): \(error)")
    }
  }
}

/// Lets the hub wake the loop, which is made after the hub.
final class LoopWake: Sendable {
  private let loop = Mutex<SyncLoop?>(nil)
  func set(_ l: SyncLoop) { loop.withLock { $0 = l } }
  func changed() {
    guard let l = loop.withLock({ $0 }) else { return }
    Task { await l.changed() }
  }
}

// What happens around each sync of `kproxy run`: a log line, kube-proxy's metrics and health
// state, and after a commit the conntrack cleanup and the health-check node ports (AfterSync).
import AgentHTTP
import Dataplane
import Foundation
import Logging
import NFTNetlink
import NetAddress
import ServiceProxy

/// The loop's observer: quick bookkeeping here; the slower after-sync work runs in `AfterSync`.
final class AgentObserver: SyncObserver {
  let logger: Logger
  let metrics: ProxyMetrics
  let health: ProxyHealth
  let afterSync: AfterSync

  init(logger: Logger, metrics: ProxyMetrics, health: ProxyHealth, afterSync: AfterSync) {
    self.logger = logger
    self.metrics = metrics
    self.health = health
    self.afterSync = afterSync
  }

  func changeQueued(at: ContinuousClock.Instant) {
    health.queued()
    metrics.syncQueued()
  }

  func syncStarted(number: Int, cause: SyncCause, at: ContinuousClock.Instant) {
    logger.debug("sync \(number) (\(cause)) started")
  }

  func syncFinished(_ outcome: SyncOutcome) {
    let seconds = outcome.duration.seconds
    guard let report = outcome.report, outcome.succeeded else {
      health.syncFailed()
      metrics.syncFailed()
      logger.error("sync \(outcome.number) (\(outcome.cause)) failed: \(outcome.failure ?? "unknown"); retrying")
      return
    }
    health.synced()
    metrics.syncSucceeded(report.full ? .full : .partial, seconds: seconds, commands: report.commands)
    if report.repairedDrift { metrics.driftRepaired() }
    var line = "sync \(outcome.number) (\(outcome.cause)): \(report.full ? "full" : "partial"), \(report.commands) commands"
    line += String(format: " in %.1f ms", seconds * 1000)
    // kube-proxy observes the latency once per changed object; here once per changed service port.
    metrics.networkProgrammed(outcome.changeLatencies.map { ($0.family, $0.latency.seconds) })
    if let latency = outcome.networkProgrammingLatency {
      line += String(format: ", change to commit %.1f ms", latency.seconds * 1000)
    }
    if report.repairedDrift { line += ", repaired changes made by someone else" }
    if let why = report.replaceReason { line += ", replaced the tables: \(why)" }
    if report.commands > 0 || report.full { logger.info("\(line)") } else { logger.debug("\(line)") }
    // A sync that drained no change and committed nothing (a quiet periodic sync): the service
    // ports are as after the last run, no conntrack entry or health-check listener to revisit.
    guard report.commands > 0 || report.full || outcome.servicePortChanges > 0 || outcome.receivedFullState else { return }
    let after = afterSync
    let full = report.full
    Task { await after.run(full: full) }
  }
}

/// After a commit: UDP conntrack entries of stale endpoints are deleted (as kube-proxy does),
/// and the health-check node port servers follow the services.
actor AfterSync {
  let mode: any ServicePortSource
  let hub: ObjectHub
  /// The namespace whose conntrack table is cleaned; nil with dry-run (nothing to clean).
  let namespace: NetworkNamespace?
  let cleansConntrack: Bool
  let serviceHealth: ServiceHealthServers
  let metrics: ProxyMetrics
  let logger: Logger
  private var previous: [ServicePortInfo] = []

  init(
    mode: any ServicePortSource, hub: ObjectHub, namespace: NetworkNamespace?, cleansConntrack: Bool, serviceHealth: ServiceHealthServers,
    metrics: ProxyMetrics, logger: Logger
  ) {
    self.mode = mode
    self.hub = hub
    self.namespace = namespace
    self.cleansConntrack = cleansConntrack
    self.serviceHealth = serviceHealth
    self.metrics = metrics
    self.logger = logger
  }

  func run(full: Bool) async {
    // What a full sync allocated for the whole cluster at once is free now: give it back.
    if full { HeapTrim.releaseFreeMemory() }
    let current = await mode.servicePorts
    if cleansConntrack {
      do {
        if let count = try ConntrackCleanup.run(previous: previous, current: current, namespace: namespace), count.deleted > 0 {
          logger.info("deleted \(count.deleted) UDP conntrack entries of stale endpoints")
          metrics.conntrackEntriesDeleted(count.deleted, family: .v4)
        }
      } catch {
        logger.error("conntrack cleanup: \(error)")
      }
    }
    previous = current
    let wanted = ServiceHealthChecks.desired(services: await hub.healthCheckServices(), servicePorts: current)
    for failure in await serviceHealth.sync(wanted) { logger.warning("\(failure)") }
  }
}

extension Duration {
  /// The duration in seconds, for metrics and log lines.
  var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}

// The agent's Prometheus metrics: kube-proxy's (pkg/proxy/metrics/metrics.go: names, help texts,
// bucket layouts, ip_family labels) and kproxy's own (transaction sizes, drift, sources, watches).
import Foundation
import NIOConcurrencyHelpers
import NetAddress
import Prometheus

/// Which kind of sync a duration belongs to.
public enum SyncKind: Sendable {
  /// Everything recompiled and compared (kube-proxy's full resync).
  case full
  /// Only the changed service ports (kube-proxy's partial resync).
  case partial
}

/// The metrics registry and the calls the sync loop and the sources make. Thread-safe.
public final class ProxyMetrics: Sendable {
  public let registry: PrometheusCollectorRegistry
  /// The userspace counters' last published values (`userspaceCounters`).
  private let userspaceLast = NIOLockedValueBox<[String: Int]>([:])

  /// kube-proxy's ExponentialBuckets(0.001, 2, 15): 1 ms … 16.384 s.
  public static let syncDurationBuckets: [Double] = exponential(start: 0.001, factor: 2, count: 15)
  /// kube-proxy's MergeBuckets(0 (MergeBuckets starts with it), 0.25…0.5, 1…59, 60…115 by 5, 120…300 by 30).
  public static let networkProgrammingBuckets: [Double] =
    [0] + linear(start: 0.25, width: 0.25, count: 2) + linear(start: 1, width: 1, count: 59)
    + linear(start: 60, width: 5, count: 12) + linear(start: 120, width: 30, count: 7)
  /// Commands per transaction: 1, 4, 16, … 262144.
  public static let transactionSizeBuckets: [Double] = exponential(start: 1, factor: 4, count: 10)

  /// Registers every unlabeled metric and the per-family ones for `families` (so they read 0 at once).
  public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry(), families: [IPFamily] = IPFamily.allCases) {
    self.registry = registry
    for family in families {
      for kind in [nil, SyncKind.full, .partial] { _ = syncDuration(kind, family) }
      _ = gauge(.lastTimestamp, family)
      _ = gauge(.lastQueuedTimestamp, family)
      _ = counter(.syncFailures, family)
      _ = histogram(.networkProgramming, buckets: Self.networkProgrammingBuckets, labels: [("ip_family", family.rawValue)])
      for policy in ["internal", "external"] {
        _ = gauge(.noLocalEndpoints, labels: [("ip_family", family.rawValue), ("traffic_policy", policy)])
      }
    }
    _ = counter(.endpointChangesTotal)
    _ = counter(.serviceChangesTotal)
    _ = gauge(.endpointChangesPending)
    _ = gauge(.serviceChangesPending)
    _ = counter(.driftRepairs)
    _ = histogram(.transactionCommands, buckets: Self.transactionSizeBuckets, labels: [])
  }

  // MARK: the sync loop

  /// A sync was requested (kube-proxy's SyncProxyRulesLastQueuedTimestamp).
  public func syncQueued(_ families: [IPFamily] = IPFamily.allCases, at time: Date = Date()) {
    for family in families { gauge(.lastQueuedTimestamp, family).set(time.timeIntervalSince1970) }
  }

  /// A sync committed: its duration (overall and by kind), the last-sync timestamp, its transaction size.
  public func syncSucceeded(
    _ kind: SyncKind, seconds: Double, commands: Int, families: [IPFamily] = IPFamily.allCases, at time: Date = Date()
  ) {
    for family in families {
      syncDuration(nil, family).record(seconds)
      syncDuration(kind, family).record(seconds)
      gauge(.lastTimestamp, family).set(time.timeIntervalSince1970)
    }
    histogram(.transactionCommands, buckets: Self.transactionSizeBuckets, labels: []).record(Double(commands))
  }

  /// A sync's transaction failed (kube-proxy's NFTablesSyncFailuresTotal).
  public func syncFailed(_ families: [IPFamily] = IPFamily.allCases) {
    for family in families { counter(.syncFailures, family).increment() }
  }

  /// One change's network-programming latency: object seen → committed in the kernel.
  public func networkProgrammed(seconds: Double, family: IPFamily) {
    histogram(.networkProgramming, buckets: Self.networkProgrammingBuckets, labels: [("ip_family", family.rawValue)])
      .record(seconds)
  }

  /// Many changes' network-programming latencies (seconds), each with its family: one
  /// observation each, as kube-proxy observes one per changed object.
  public func networkProgrammed(_ latencies: [(family: IPFamily, seconds: Double)]) {
    var histograms: [IPFamily: ValueHistogram] = [:]
    for (family, seconds) in latencies {
      if histograms[family] == nil {
        histograms[family] = histogram(
          .networkProgramming, buckets: Self.networkProgrammingBuckets, labels: [("ip_family", family.rawValue)])
      }
      histograms[family]!.record(seconds)
    }
  }

  /// Changes the trackers recorded (kube-proxy counts each tracked Service / EndpointSlice update).
  public func changesSeen(services: Int, endpoints: Int) {
    if services > 0 { counter(.serviceChangesTotal).increment(by: Int64(services)) }
    if endpoints > 0 { counter(.endpointChangesTotal).increment(by: Int64(endpoints)) }
  }

  /// Changes recorded but not yet synced (set when tracking and after each sync drains them).
  public func changesPending(services: Int, endpoints: Int) {
    gauge(.serviceChangesPending).set(Double(services))
    gauge(.endpointChangesPending).set(Double(endpoints))
  }

  /// Services with a Local traffic policy and no local endpoints, per policy, after a sync.
  public func noLocalEndpoints(internalPolicy: Int, externalPolicy: Int, family: IPFamily) {
    gauge(.noLocalEndpoints, labels: [("ip_family", family.rawValue), ("traffic_policy", "internal")]).set(Double(internalPolicy))
    gauge(.noLocalEndpoints, labels: [("ip_family", family.rawValue), ("traffic_policy", "external")]).set(Double(externalPolicy))
  }

  /// Conntrack entries deleted for stale UDP endpoints and first endpoints.
  public func conntrackEntriesDeleted(_ count: Int, family: IPFamily) {
    counter(.conntrackDeleted, family).increment(by: Int64(count))
  }

  /// Someone else changed kproxy's tables and a sync put them back.
  public func driftRepaired() { counter(.driftRepairs).increment() }

  // MARK: the sources

  /// A source failed to read or decode something (`source`: a fixed short name, e.g. "manifests", "api").
  public func sourceError(source: String) { counter(.sourceErrors, labels: [("source", source)]).increment() }

  /// An object was skipped because it failed decoding or validation.
  public func objectRejected(source: String) { counter(.rejectedObjects, labels: [("source", source)]).increment() }

  /// A watch of `resource` (e.g. "services") ended and was reopened.
  public func watchRestarted(resource: String) { counter(.watchRestarts, labels: [("resource", resource)]).increment() }

  /// `resource` was listed again (410 Gone, an expired continue token, a failed list).
  public func relisted(resource: String) { counter(.relists, labels: [("resource", resource)]).increment() }

  // MARK: the health servers

  func healthzAnswered(code: Int) { counter(.healthzTotal, labels: [("code", String(code))]).increment() }
  func livezAnswered(code: Int) { counter(.livezTotal, labels: [("code", String(code))]).increment() }

  /// The Prometheus text exposition of every metric.
  public func exposition() -> String { registry.emitToString() }

  // MARK: the userspace mode

  /// The mode kproxy runs (`nftables` or `userspace`) and why (`forced`, `probe-ok`,
  /// `permission-denied`, …): `kproxy_proxy_mode{mode,reason} 1`.
  public func proxyMode(_ mode: String, reason: String) {
    registry.makeGauge(
      descriptor: Self.userspace("kproxy_proxy_mode", "The proxy mode in use and why it was chosen"),
      labels: [("mode", mode), ("reason", reason)]
    ).set(Double(1))
  }

  /// The userspace proxy's counters of one service port since it started (absolute values).
  public struct UserspacePortCounters: Sendable, Hashable {
    public var activeConnections, totalConnections, dialFailures, rejectedConnections, bytesFromClients, bytesToClients: Int
    public init(active: Int, total: Int, dialFailures: Int, rejected: Int, bytesFromClients: Int, bytesToClients: Int) {
      activeConnections = active
      totalConnections = total
      self.dialFailures = dialFailures
      rejectedConnections = rejected
      self.bytesFromClients = bytesFromClients
      self.bytesToClients = bytesToClients
    }
  }

  /// Publishes the userspace proxy's counters (a snapshot of absolute values, keyed by service
  /// port `namespace/name:port/PROTO`): counters move by the difference to the last snapshot
  /// (a runtime restart that lowers a value is taken as a new start).
  public func userspaceCounters(_ ports: [String: UserspacePortCounters], connectionLimitHits: Int, acceptErrors: Int) {
    typealias Field = (String, String, KeyPath<UserspacePortCounters, Int>)
    let fields: [Field] = [
      ("kproxy_userspace_connections_total", "Connections accepted (TCP) or flows created (UDP), per service port", \.totalConnections),
      ("kproxy_userspace_dial_failures_total", "Connection attempts to endpoints that failed, per service port", \.dialFailures),
      (
        "kproxy_userspace_rejected_connections_total",
        "Connections reset or flows dropped (no endpoint, every dial failed, limit reached), per service port", \.rejectedConnections
      ),
      ("kproxy_userspace_client_bytes_total", "Bytes received from clients, per service port", \.bytesFromClients),
      ("kproxy_userspace_endpoint_bytes_total", "Bytes sent back to clients, per service port", \.bytesToClients),
    ]
    userspaceLast.withLockedValue { last in
      for (key, c) in ports {
        let labels = [("service_port", key)]
        registry.makeGauge(descriptor: Self.userspaceActive, labels: labels).set(Double(c.activeConnections))
        for (name, help, path) in fields {
          Self.advance(
            registry.makeCounter(descriptor: Self.userspace(name, help), labels: labels), to: c[keyPath: path],
            last: &last[name + " " + key])
        }
      }
      // Service ports the runtime no longer reports (removed, and drained) lose their series.
      let marker = fields[0].0 + " "
      let gone = Set(last.keys.filter { $0.hasPrefix(marker) }.map { String($0.dropFirst(marker.count)) }).subtracting(ports.keys)
      for key in gone {
        let labels = [("service_port", key)]
        registry.unregisterGauge(registry.makeGauge(descriptor: Self.userspaceActive, labels: labels))
        for (name, help, _) in fields {
          registry.unregisterCounter(registry.makeCounter(descriptor: Self.userspace(name, help), labels: labels))
          last[name + " " + key] = nil
        }
      }
      for (name, help, value) in [
        ("kproxy_userspace_connection_limit_hits_total", "Connections refused by --max-connections", connectionLimitHits),
        ("kproxy_userspace_accept_errors_total", "accept(2) failures survived (EMFILE, ENFILE, ENOBUFS)", acceptErrors),
      ] {
        Self.advance(registry.makeCounter(descriptor: Self.userspace(name, help), labels: []), to: value, last: &last[name])
      }
    }
  }

  private static var userspaceActive: MetricNameDescriptor {
    userspace("kproxy_userspace_active_connections", "Open connections and flows, per service port")
  }

  /// Moves a Prometheus counter along with a runtime total last seen as `last`: by the growth,
  /// or, when the total went down (a restarted runtime counts from 0), by the new total.
  private static func advance(_ counter: Counter, to value: Int, last: inout Int?) {
    let delta = value - (last ?? 0)
    if delta > 0 {
      counter.increment(by: Int64(delta))
    } else if delta < 0 && value > 0 {
      counter.increment(by: Int64(value))
    }
    last = value
  }

  private static func userspace(_ name: String, _ help: String) -> MetricNameDescriptor {
    MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
  }

  // MARK: registry access

  private func syncDuration(_ kind: SyncKind?, _ family: IPFamily) -> ValueHistogram {
    let metric: Metric =
      switch kind {
      case nil: .syncDuration
      case .full: .syncFullDuration
      case .partial: .syncPartialDuration
      }
    return histogram(metric, buckets: Self.syncDurationBuckets, labels: [("ip_family", family.rawValue)])
  }

  private func counter(_ metric: Metric, _ family: IPFamily) -> Counter {
    counter(metric, labels: [("ip_family", family.rawValue)])
  }

  private func counter(_ metric: Metric, labels: [(String, String)] = []) -> Counter {
    registry.makeCounter(descriptor: metric.descriptor, labels: labels)
  }

  private func gauge(_ metric: Metric, _ family: IPFamily) -> Gauge {
    gauge(metric, labels: [("ip_family", family.rawValue)])
  }

  private func gauge(_ metric: Metric, labels: [(String, String)] = []) -> Gauge {
    registry.makeGauge(descriptor: metric.descriptor, labels: labels)
  }

  private func histogram(_ metric: Metric, buckets: [Double], labels: [(String, String)]) -> ValueHistogram {
    registry.makeValueHistogram(descriptor: metric.descriptor, labels: labels, buckets: buckets)
  }

  static func exponential(start: Double, factor: Double, count: Int) -> [Double] {
    var buckets: [Double] = []
    var next = start
    for _ in 0..<count {
      buckets.append(next)
      next *= factor
    }
    return buckets
  }

  static func linear(start: Double, width: Double, count: Int) -> [Double] {
    var buckets: [Double] = []
    var next = start
    for _ in 0..<count {
      buckets.append(next)
      next += width
    }
    return buckets
  }
}

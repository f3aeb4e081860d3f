// /healthz, /livez and /metrics over real HTTP on 127.0.0.1 ephemeral ports: status codes follow the
// health state, and the exposition text holds kube-proxy's metric names with kube-proxy's buckets.
import AgentHTTP
import Foundation
import NetAddress
import Testing

struct AgentServerTests {
  @Test func healthzAndLivezFollowTheState() async throws {
    let clock = FakeClock()
    let health = ProxyHealth(healthTimeout: 60, clock: { clock.now })
    let metrics = ProxyMetrics()
    let routes = HealthzRoutes(health: health, metrics: metrics)
    let server = try await HTTPEndpointServer.start(host: "127.0.0.1", port: 0) { routes.reply(path: $0) }
    let base = "http://127.0.0.1:\(server.port)"
    var answer = try await HTTPGet.get(base + "/healthz")
    #expect(answer.status == 200)
    #expect(answer.headers.first(name: "Content-Type") == "application/json")
    #expect(answer.body.contains(#""nodeEligible":true"#))
    health.queued()
    clock.advance(120)
    answer = try await HTTPGet.get(base + "/healthz?verbose=1")
    #expect(answer.status == 503)
    answer = try await HTTPGet.get(base + "/livez")
    #expect(answer.status == 503)
    #expect(answer.body.contains(#""healthy":false"#))
    health.synced()
    #expect(try await HTTPGet.get(base + "/livez").status == 200)
    #expect(try await HTTPGet.get(base + "/nothing").status == 404)
    // The answers are counted as kube-proxy counts them.
    let text = metrics.exposition()
    #expect(text.contains(#"kubeproxy_proxy_healthz_total{code="200"} 1"#))
    #expect(text.contains(#"kubeproxy_proxy_healthz_total{code="503"} 1"#))
    #expect(text.contains(#"kubeproxy_proxy_livez_total{code="503"} 1"#))
    #expect(text.contains(#"kubeproxy_proxy_livez_total{code="200"} 1"#))
    await server.close()
  }

  @Test func networkProgrammingIsObservedOncePerChange() {
    let metrics = ProxyMetrics(families: [.v4, .v6])
    let latencies = (0..<100).map { i -> (family: IPFamily, seconds: Double) in (i < 70 ? .v4 : .v6, 0.002) }
    metrics.networkProgrammed(latencies)
    let text = metrics.exposition()
    #expect(text.contains(#"kubeproxy_network_programming_duration_seconds_count{ip_family="IPv4"} 70"#))
    #expect(text.contains(#"kubeproxy_network_programming_duration_seconds_count{ip_family="IPv6"} 30"#))
  }

  @Test func metricsServesKubeProxyNames() async throws {
    let metrics = ProxyMetrics(families: [.v4])
    metrics.syncQueued([.v4], at: Date(timeIntervalSince1970: 1000))
    metrics.syncSucceeded(.partial, seconds: 0.003, commands: 12, families: [.v4], at: Date(timeIntervalSince1970: 1001))
    metrics.syncFailed([.v4])
    metrics.networkProgrammed(seconds: 0.3, family: .v4)
    metrics.changesSeen(services: 2, endpoints: 5)
    metrics.changesPending(services: 1, endpoints: 0)
    metrics.noLocalEndpoints(internalPolicy: 0, externalPolicy: 3, family: .v4)
    metrics.driftRepaired()
    metrics.sourceError(source: "manifests")
    metrics.objectRejected(source: "api")
    metrics.watchRestarted(resource: "services")
    metrics.relisted(resource: "endpointslices")
    metrics.conntrackEntriesDeleted(4, family: .v4)
    let server = try await HTTPEndpointServer.start(host: "127.0.0.1", port: 0) {
      MetricsRoutes(metrics: metrics, proxyMode: "nftables").reply(path: $0)
    }
    let base = "http://127.0.0.1:\(server.port)"
    let answer = try await HTTPGet.get(base + "/metrics")
    #expect(answer.status == 200)
    #expect(answer.headers.first(name: "Content-Type")?.hasPrefix("text/plain; version=0.0.4") == true)
    let samples = Exposition.samples(answer.body)
    let expected: [String: Double] = [
      #"kubeproxy_sync_proxy_rules_duration_seconds_count{ip_family="IPv4"}"#: 1,
      #"kubeproxy_sync_partial_proxy_rules_duration_seconds_count{ip_family="IPv4"}"#: 1,
      #"kubeproxy_sync_full_proxy_rules_duration_seconds_count{ip_family="IPv4"}"#: 0,
      #"kubeproxy_sync_proxy_rules_duration_seconds_bucket{ip_family="IPv4",le="0.002"}"#: 0,
      #"kubeproxy_sync_proxy_rules_duration_seconds_bucket{ip_family="IPv4",le="0.004"}"#: 1,
      #"kubeproxy_sync_proxy_rules_last_timestamp_seconds{ip_family="IPv4"}"#: 1001,
      #"kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds{ip_family="IPv4"}"#: 1000,
      #"kubeproxy_sync_proxy_rules_nftables_sync_failures_total{ip_family="IPv4"}"#: 1,
      #"kubeproxy_network_programming_duration_seconds_bucket{ip_family="IPv4",le="0.25"}"#: 0,
      #"kubeproxy_network_programming_duration_seconds_bucket{ip_family="IPv4",le="0.5"}"#: 1,
      #"kubeproxy_sync_proxy_rules_service_changes_total"#: 2,
      #"kubeproxy_sync_proxy_rules_endpoint_changes_total"#: 5,
      #"kubeproxy_sync_proxy_rules_service_changes_pending"#: 1,
      #"kubeproxy_sync_proxy_rules_endpoint_changes_pending"#: 0,
      #"kubeproxy_sync_proxy_rules_no_local_endpoints_total{ip_family="IPv4",traffic_policy="external"}"#: 3,
      #"kubeproxy_sync_proxy_rules_no_local_endpoints_total{ip_family="IPv4",traffic_policy="internal"}"#: 0,
      #"kubeproxy_conntrack_reconciler_deleted_entries_total{ip_family="IPv4"}"#: 4,
      #"kproxy_sync_transaction_commands_bucket{le="4.0"}"#: 0,
      #"kproxy_sync_transaction_commands_bucket{le="16.0"}"#: 1,
      #"kproxy_drift_repairs_total"#: 1,
      #"kproxy_source_errors_total{source="manifests"}"#: 1,
      #"kproxy_rejected_objects_total{source="api"}"#: 1,
      #"kproxy_watch_restarts_total{resource="services"}"#: 1,
      #"kproxy_relists_total{resource="endpointslices"}"#: 1,
    ]
    for (name, value) in expected.sorted(by: { $0.key < $1.key }) {
      #expect(samples[name] == value, "\(name)")
    }
    // The types and help texts are kube-proxy's.
    #expect(answer.body.contains("# TYPE kubeproxy_sync_proxy_rules_duration_seconds histogram"))
    #expect(
      answer.body.contains("# HELP kubeproxy_sync_proxy_rules_last_timestamp_seconds The last time proxy rules were successfully synced"))
    // The metrics address also answers /healthz and /proxyMode, as kube-proxy's does.
    #expect(try await HTTPGet.get(base + "/healthz").body == "ok")
    #expect(try await HTTPGet.get(base + "/proxyMode").body == "nftables")
    await server.close()
  }

  @Test func bucketLayoutsAreKubeProxys() {
    #expect(ProxyMetrics.syncDurationBuckets.count == 15)
    #expect(ProxyMetrics.syncDurationBuckets.first == 0.001)
    #expect(ProxyMetrics.syncDurationBuckets.last == 16.384)
    let programming = ProxyMetrics.networkProgrammingBuckets
    #expect(programming.count == 1 + 2 + 59 + 12 + 7)
    #expect(Array(programming.prefix(4)) == [0, 0.25, 0.5, 1])
    #expect(programming.contains(59) && programming.contains(115) && programming.last == 300)
    #expect(programming == programming.sorted())
  }

  @Test func addressInUseIsAnError() async throws {
    let first = try await HTTPEndpointServer.start(host: "127.0.0.1", port: 0) { _ in .notFound }
    await #expect(throws: (any Error).self) {
      _ = try await HTTPEndpointServer.start(host: "127.0.0.1", port: first.port) { _ in .notFound }
    }
    await first.close()
  }
}

/// Reads Prometheus text exposition into "name{labels}" → value.
enum Exposition {
  static func samples(_ text: String) -> [String: Double] {
    var samples: [String: Double] = [:]
    for line in text.split(separator: "\n") where !line.hasPrefix("#") {
      guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
      samples[String(line[..<space])] = value
    }
    return samples
  }
}

// The userspace mode's metrics: the mode gauge, and per-service-port counters published from
// absolute snapshots (moving by the difference; a runtime restart counts as a new start).
import AgentHTTP
import Testing

@Suite struct UserspaceMetricsTests {
  static func value(_ text: String, _ series: String) -> String? {
    text.split(separator: "\n").first { $0.hasPrefix(series + " ") }.map { String($0.dropFirst(series.count + 1)) }
  }

  @Test func countersFollowSnapshots() {
    let metrics = ProxyMetrics()
    metrics.proxyMode("userspace", reason: "permission-denied")
    func snapshot(total: Int, active: Int, bytes: Int, hits: Int) {
      metrics.userspaceCounters(
        [
          "default/web/TCP": .init(
            active: active, total: total, dialFailures: 1, rejected: 0, bytesFromClients: bytes, bytesToClients: 2 * bytes)
        ], connectionLimitHits: hits, acceptErrors: 0)
    }
    snapshot(total: 3, active: 2, bytes: 100, hits: 1)
    snapshot(total: 5, active: 1, bytes: 150, hits: 1)
    var text = metrics.exposition()
    let port = "{service_port=\"default/web/TCP\"}"
    #expect(Self.value(text, "kproxy_proxy_mode{mode=\"userspace\",reason=\"permission-denied\"}") == "1.0")
    #expect(Self.value(text, "kproxy_userspace_connections_total" + port) == "5")
    #expect(Self.value(text, "kproxy_userspace_active_connections" + port) == "1.0")
    #expect(Self.value(text, "kproxy_userspace_client_bytes_total" + port) == "150")
    #expect(Self.value(text, "kproxy_userspace_endpoint_bytes_total" + port) == "300")
    #expect(Self.value(text, "kproxy_userspace_dial_failures_total" + port) == "1")
    #expect(Self.value(text, "kproxy_userspace_rejected_connections_total" + port) == "0")
    #expect(Self.value(text, "kproxy_userspace_connection_limit_hits_total") == "1")
    // A restarted runtime starts from 0 again: its new counts are added.
    snapshot(total: 2, active: 0, bytes: 10, hits: 0)
    text = metrics.exposition()
    #expect(Self.value(text, "kproxy_userspace_connections_total" + port) == "7")
    // The service port goes away (removed and drained): its series go; another one stays.
    metrics.userspaceCounters(
      ["shop/api/TCP": .init(active: 1, total: 1, dialFailures: 0, rejected: 0, bytesFromClients: 5, bytesToClients: 5)],
      connectionLimitHits: 0, acceptErrors: 0)
    text = metrics.exposition()
    #expect(!text.contains("default/web/TCP"), "\(text)")
    #expect(Self.value(text, "kproxy_userspace_connections_total{service_port=\"shop/api/TCP\"}") == "1")
    // Back again later: it starts from its new counts.
    snapshot(total: 4, active: 1, bytes: 10, hits: 0)
    #expect(Self.value(metrics.exposition(), "kproxy_userspace_connections_total" + port) == "4")
  }
}

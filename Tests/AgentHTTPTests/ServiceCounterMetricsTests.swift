// The kernel's per-service-port counters on /metrics: published from absolute snapshots, a
// counter declared anew counts as a new start, a port that goes loses its series.
import AgentHTTP
import Prometheus
import Testing

@Suite struct ServiceCounterMetricsTests {
  @Test func countersFollowKernelSnapshots() {
    let registry = PrometheusCollectorRegistry()
    let metrics = ServiceCounterMetrics(registry: registry)
    let web = ServiceCounterMetrics.Port(namespace: "default", name: "web", port: "http")
    let dns = ServiceCounterMetrics.Port(namespace: "kube-system", name: "dns", port: "")
    func text() -> [String: Double] { Exposition.samples(registry.emitToString()) }
    let webPackets = "kproxy_service_packets_total{namespace=\"default\",name=\"web\",port=\"http\"}"
    let webBytes = "kproxy_service_bytes_total{namespace=\"default\",name=\"web\",port=\"http\"}"
    let dnsPackets = "kproxy_service_packets_total{namespace=\"kube-system\",name=\"dns\",port=\"\"}"

    metrics.publish([web: .init(packets: 10, bytes: 1000), dns: .init(packets: 0, bytes: 0)])
    #expect(text()[webPackets] == 10)
    #expect(text()[webBytes] == 1000)
    #expect(text()[dnsPackets] == 0)
    metrics.publish([web: .init(packets: 15, bytes: 1600), dns: .init(packets: 2, bytes: 120)])
    #expect(text()[webPackets] == 15)
    #expect(text()[webBytes] == 1600)
    #expect(text()[dnsPackets] == 2)
    // The counter was declared anew (it counts from 0 again): its new counts are added.
    metrics.publish([web: .init(packets: 3, bytes: 300), dns: .init(packets: 2, bytes: 120)])
    #expect(text()[webPackets] == 18)
    #expect(text()[webBytes] == 1900)
    // dns goes away: its series go, web's stay.
    metrics.publish([web: .init(packets: 4, bytes: 400)])
    #expect(text()[dnsPackets] == nil)
    #expect(text()[webPackets] == 19)
  }
}

// The metrics server's answers, as kube-proxy's metrics address serves them: /metrics (Prometheus
// text), /healthz (the apiserver-style "ok" of a live process) and /proxyMode.
import NIOHTTP1

/// Routes of the metrics address (kube-proxy: 127.0.0.1:10249).
public struct MetricsRoutes: Sendable {
  public let metrics: ProxyMetrics
  /// What /proxyMode answers, e.g. "nftables".
  public let proxyMode: String

  public init(metrics: ProxyMetrics, proxyMode: String) {
    self.metrics = metrics
    self.proxyMode = proxyMode
  }

  public func reply(path: String) -> HTTPReply {
    switch path {
    case "/metrics":
      return HTTPReply(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"], body: metrics.exposition())
    case "/healthz", "/healthz/ping":
      return HTTPReply(
        status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"], body: "ok")
    case "/proxyMode":
      return HTTPReply(
        status: .ok, headers: ["Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff"], body: proxyMode)
    default:
      return .notFound
    }
  }
}

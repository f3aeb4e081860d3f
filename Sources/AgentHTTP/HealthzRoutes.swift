// The healthz server's answers (kube-proxy's healthzHandler and livezHandler): 200 or 503 with the
// ProxyHealth JSON; /healthz also requires the node to be eligible and reports nodeEligible.
import Foundation
import NIOHTTP1
import NetAddress

/// Routes of the healthz address (kube-proxy: 0.0.0.0:10256).
public struct HealthzRoutes: Sendable {
  public let health: ProxyHealth
  public let metrics: ProxyMetrics?

  public init(health: ProxyHealth, metrics: ProxyMetrics? = nil) {
    self.health = health
    self.metrics = metrics
  }

  public func reply(path: String) -> HTTPReply {
    switch path {
    case "/healthz": return healthz()
    case "/livez": return livez()
    default: return .notFound
    }
  }

  /// 200 when healthy and the node is eligible, else 503; body with nodeEligible.
  func healthz() -> HTTPReply {
    let report = health.report()
    let eligible = health.nodeEligible
    let healthy = report.healthy && eligible
    metrics?.healthzAnswered(code: healthy ? 200 : 503)
    return .json(healthy ? .ok : .serviceUnavailable, Self.body(report, nodeEligible: eligible, servingHealthy: healthy))
  }

  /// 200 when healthy (node eligibility does not matter), else 503.
  func livez() -> HTTPReply {
    let report = health.report()
    metrics?.livezAnswered(code: report.healthy ? 200 : 503)
    return .json(report.healthy ? .ok : .serviceUnavailable, Self.body(report, nodeEligible: nil, servingHealthy: report.healthy))
  }

  /// kube-proxy's JSON (encoding/json of ProxyHealth, fields in its order): lastUpdated, currentTime,
  /// nodeEligible (/healthz only), healthy, status per family (omitted when empty). A 200 reports
  /// lastUpdated = currentTime, as kube-proxy does for compatibility with older releases.
  static func body(_ report: HealthReport, nodeEligible: Bool?, servingHealthy: Bool) -> String {
    let lastUpdated = servingHealthy ? report.currentTime : report.lastUpdated
    var fields = [
      "\"lastUpdated\":\(GoText.string(GoText.time(lastUpdated)))",
      "\"currentTime\":\(GoText.string(GoText.time(report.currentTime)))",
    ]
    if let nodeEligible { fields.append("\"nodeEligible\":\(nodeEligible)") }
    fields.append("\"healthy\":\(report.healthy)")
    if !report.families.isEmpty {
      let status = report.families.keys.sorted { $0.rawValue < $1.rawValue }.map { family in
        let f = report.families[family]!
        return "\(GoText.string(family.rawValue)):{\"lastUpdated\":\(GoText.string(GoText.time(f.lastUpdated))),\"healthy\":\(f.healthy)}"
      }
      fields.append("\"status\":{\(status.joined(separator: ","))}")
    }
    return "{" + fields.joined(separator: ",") + "}"
  }
}

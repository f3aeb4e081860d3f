// Every metric's full name and help text in one table: kube-proxy's names and texts where kube-proxy
// has the metric (pkg/proxy/metrics/metrics.go), `kproxy_…` for kproxy's own.
import Prometheus

/// The metrics ProxyMetrics exports.
enum Metric: CaseIterable {
  case syncDuration, syncFullDuration, syncPartialDuration, networkProgramming
  case lastTimestamp, lastQueuedTimestamp
  case endpointChangesTotal, endpointChangesPending, serviceChangesTotal, serviceChangesPending
  case syncFailures, noLocalEndpoints, healthzTotal, livezTotal, conntrackDeleted
  case transactionCommands, driftRepairs, sourceErrors, rejectedObjects, watchRestarts, relists

  var name: String {
    switch self {
    case .syncDuration: "kubeproxy_sync_proxy_rules_duration_seconds"
    case .syncFullDuration: "kubeproxy_sync_full_proxy_rules_duration_seconds"
    case .syncPartialDuration: "kubeproxy_sync_partial_proxy_rules_duration_seconds"
    case .networkProgramming: "kubeproxy_network_programming_duration_seconds"
    case .lastTimestamp: "kubeproxy_sync_proxy_rules_last_timestamp_seconds"
    case .lastQueuedTimestamp: "kubeproxy_sync_proxy_rules_last_queued_timestamp_seconds"
    case .endpointChangesTotal: "kubeproxy_sync_proxy_rules_endpoint_changes_total"
    case .endpointChangesPending: "kubeproxy_sync_proxy_rules_endpoint_changes_pending"
    case .serviceChangesTotal: "kubeproxy_sync_proxy_rules_service_changes_total"
    case .serviceChangesPending: "kubeproxy_sync_proxy_rules_service_changes_pending"
    case .syncFailures: "kubeproxy_sync_proxy_rules_nftables_sync_failures_total"
    case .noLocalEndpoints: "kubeproxy_sync_proxy_rules_no_local_endpoints_total"
    case .healthzTotal: "kubeproxy_proxy_healthz_total"
    case .livezTotal: "kubeproxy_proxy_livez_total"
    case .conntrackDeleted: "kubeproxy_conntrack_reconciler_deleted_entries_total"
    case .transactionCommands: "kproxy_sync_transaction_commands"
    case .driftRepairs: "kproxy_drift_repairs_total"
    case .sourceErrors: "kproxy_source_errors_total"
    case .rejectedObjects: "kproxy_rejected_objects_total"
    case .watchRestarts: "kproxy_watch_restarts_total"
    case .relists: "kproxy_relists_total"
    }
  }

  var help: String {
    switch self {
    case .syncDuration: "SyncProxyRules latency in seconds"
    case .syncFullDuration: "SyncProxyRules latency in seconds for full resyncs"
    case .syncPartialDuration: "SyncProxyRules latency in seconds for partial resyncs"
    case .networkProgramming: "In Cluster Network Programming Latency in seconds"
    case .lastTimestamp: "The last time proxy rules were successfully synced"
    case .lastQueuedTimestamp: "The last time a sync of proxy rules was queued"
    case .endpointChangesTotal: "Cumulative proxy rules Endpoint changes"
    case .endpointChangesPending: "Pending proxy rules Endpoint changes"
    case .serviceChangesTotal: "Cumulative proxy rules Service changes"
    case .serviceChangesPending: "Pending proxy rules Service changes"
    case .syncFailures: "Cumulative proxy nftables sync failures"
    case .noLocalEndpoints: "Number of services with a Local traffic policy and no endpoints"
    case .healthzTotal: "Cumulative proxy healthz HTTP status"
    case .livezTotal: "Cumulative proxy livez HTTP status"
    case .conntrackDeleted: "Cumulative conntrack flows deleted by conntrack reconciler"
    case .transactionCommands: "Commands (adds, deletes, flushes) in each committed nftables transaction"
    case .driftRepairs: "Syncs that found kproxy's tables changed by someone else and repaired them"
    case .sourceErrors: "Errors reading or decoding input, per source"
    case .rejectedObjects: "Objects skipped because they failed decoding or validation, per source"
    case .watchRestarts: "Watches reopened after they ended or failed, per resource"
    case .relists: "Lists repeated after 410 Gone, an expired continue token or a failed list, per resource"
    }
  }

  var descriptor: MetricNameDescriptor { MetricNameDescriptor(metricName: name, unitName: "", helpText: help) }
}

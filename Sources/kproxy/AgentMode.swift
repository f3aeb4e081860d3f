// `kproxy run --mode`: builds the agent's ProxyMode: nftables over netlink, dry-run, or the
// userspace proxy (ProxyServer + UserspaceMode), with --mode auto probing nf_tables first.
import AgentHTTP
import Dataplane
import Foundation
import Logging
import NFTNetlink
import UserspaceProxy

/// The mode the agent runs, and what the rest of the agent needs from it.
struct AgentMode {
  let mode: ProxyMode
  let servicePorts: any ServicePortSource
  /// `nftables` (also for dry-run) or `userspace`: what /proxyMode answers.
  let name: String
  /// UDP conntrack cleanup after each sync (nftables only: the userspace proxy's flows are its own).
  let cleansConntrack: Bool
  /// Run on exit: the userspace proxy closes its listeners and removes kproxy0.
  let shutdown: @Sendable () async -> Void

  static func make(_ s: AgentSettings, metrics: ProxyMetrics, logger: Logger) async throws -> AgentMode {
    let flag: ProxyModeFlag
    switch s.mode {
    case .dryRun:
      let mode = NFTablesMode(backend: DryRunBackend(output: { try Output.write($0) }))
      // A dry run of the nftables mode: /proxyMode says nftables, as before.
      metrics.proxyMode("nftables", reason: "dry-run")
      return AgentMode(mode: mode, servicePorts: mode, name: "nftables", cleansConntrack: false, shutdown: {})
    case .nftables: flag = .nftables
    case .userspace: flag = .userspace
    case .auto: flag = .auto
    }
    // The probe commits (its own table, added and deleted): an exact set state file is carried past it.
    let selection = ModeSelection.select(flag) { NFTablesProbe.run(namespace: s.namespace, carrying: s.setState) }
    logger.notice("\(selection.detail)")
    metrics.proxyMode(selection.mode.rawValue, reason: selection.reason)
    switch selection.mode {
    case .nftables:
      let backend: TransactionBackend
      do {
        backend = try NetlinkTransactionBackend(namespace: s.namespace)
      } catch {
        throw UserError(description: "cannot program nftables: \(error)")
      }
      let mode = NFTablesMode(backend: backend, store: s.setState, onSetStateWritten: { HeapTrim.releaseFreeMemory() })
      guard s.node.counters else {
        return AgentMode(
          mode: mode, servicePorts: mode, name: "nftables", cleansConntrack: true, shutdown: { await mode.saveSetState() })
      }
      let refresh = AgentCounters.refresh(
        namespace: s.namespace, ports: mode, metrics: ServiceCounterMetrics(registry: metrics.registry), logger: logger)
      return AgentMode(
        mode: mode, servicePorts: mode, name: "nftables", cleansConntrack: true,
        shutdown: {
          refresh.cancel()
          await mode.saveSetState()
        })
    case .userspace:
      if let namespace = s.namespace {
        throw UserError(
          description:
            "the userspace mode listens in kproxy's own network namespace, not in \(namespace): run kproxy inside it (ip netns exec NAME kproxy run …) without --netns"
        )
      }
      if s.node.counters {
        logger.warning("--counters programs nftables counters; the userspace proxy counts in its kproxy_userspace_* metrics instead")
      }
      return userspace(s, metrics: metrics, logger: logger)
    }
  }

  static func userspace(_ s: AgentSettings, metrics: ProxyMetrics, logger: Logger) -> AgentMode {
    let settings = ProxySettings(events: { event in
      switch event {
      case .connectionLimitReached(let a, let limit): logger.warning("\(a): connection limit \(limit) reached; connection reset")
      case .acceptFailed(let a, let error): logger.warning("\(a): accept failed: \(error)")
      case .allEndpointsFailed(let a, let tried):
        logger.warning("\(a): every endpoint failed (\(tried.map(\.description).joined(separator: ", "))); connection reset")
      case .drained(let a, let closed): logger.info("\(a): removed listener drained (\(closed) connections closed)")
      }
    })
    let server = ProxyServer(settings: settings)
    @Sendable func publish(_ stats: ProxyStatistics) {
      metrics.userspaceCounters(
        Dictionary(
          stats.servicePorts.map { name, c in
            (
              PortAssignments.key(name),
              ProxyMetrics.UserspacePortCounters(
                active: c.activeConnections, total: c.totalConnections, dialFailures: c.dialFailures, rejected: c.rejectedConnections,
                bytesFromClients: c.bytesFromClients, bytesToClients: c.bytesToClients)
            )
          }, uniquingKeysWith: { a, _ in a }),
        connectionLimitHits: stats.connectionLimitHits, acceptErrors: stats.acceptErrors)
    }
    let mode = UserspaceMode(
      server: server, options: s.userspace, store: s.portStore, binder: s.bindServiceIPs ? ServiceIPInterface() : nil,
      onWarnings: { for w in $0 { logger.warning("\(w)") } },
      onStatistics: publish)
    // The counters move with every connection, not only at syncs: /metrics is at most a second behind.
    let refresh = Task {
      while !Task.isCancelled {
        try? await Task.sleep(for: .seconds(1))
        publish(await server.statistics())
      }
    }
    return AgentMode(
      mode: mode, servicePorts: mode, name: "userspace", cleansConntrack: false,
      shutdown: {
        refresh.cancel()
        await mode.shutdown()
      })
  }
}

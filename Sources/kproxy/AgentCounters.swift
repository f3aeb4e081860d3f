// `kproxy run --counters`: reads the kernel's per-service-port counters every few seconds and
// publishes them on /metrics, labelled with the service ports the agent programs now.
import AgentHTTP
import Dataplane
import Logging
import NFTNetlink
import NFTables
import ProxyRules
import ServiceProxy

enum AgentCounters {
  /// How often the counters are read at least: a GETOBJ dump per table, ≈ 35 ms of CPU at 10k
  /// service ports; the kernel restarts its object walk for every reply page, so a dump grows
  /// faster than linearly (≈ 0.3 s at 50k): the pause is also at least 20 times the last read,
  /// which keeps the reads under 5 % of one core.
  static let period: Duration = .seconds(2)
  static func pause(after read: Duration) -> Duration { max(period, read * 20) }

  /// The counters' values by service port labels, both families summed; counters the agent
  /// does not know (yet, or any more) are left out.
  static func snapshot(
    _ counters: [CounterObject], ports: [ServicePortInfo]
  ) -> [ServiceCounterMetrics.Port: ServiceCounterMetrics.Values] {
    var labels: [String: ServiceCounterMetrics.Port] = [:]
    for p in ports {
      let n = p.name
      labels[Names.counter(Names.servicePortBase(n))] = ServiceCounterMetrics.Port(
        namespace: n.service.namespace, name: n.service.name, port: n.port)
    }
    var out: [ServiceCounterMetrics.Port: ServiceCounterMetrics.Values] = [:]
    for c in counters {
      guard let port = labels[c.name] else { continue }
      var v = out[port] ?? ServiceCounterMetrics.Values(packets: 0, bytes: 0)
      v.packets &+= c.packets
      v.bytes &+= c.bytes
      out[port] = v
    }
    return out
  }

  /// Reads and publishes until cancelled; a failed read is logged once per failure streak.
  static func refresh(
    namespace: NetworkNamespace?, ports: any ServicePortSource, metrics: ServiceCounterMetrics, logger: Logger
  ) -> Task<Void, Never> {
    Task {
      var failing = false
      let clock = ContinuousClock()
      while !Task.isCancelled {
        let start = clock.now
        do {
          let backend = try NetlinkBackend(namespace: namespace)
          var counters: [CounterObject] = []
          for t in RulesetCompiler.allTables { counters += try backend.counters(table: t) }
          metrics.publish(snapshot(counters, ports: await ports.servicePorts))
          failing = false
        } catch {
          if !failing { logger.warning("cannot read the service counters: \(error)") }
          failing = true
        }
        try? await Task.sleep(for: pause(after: clock.now - start))
      }
    }
  }
}

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
  /// How often the counters are read (a GETOBJ dump per table: cheap at 10k service ports).
  static let period: Duration = .seconds(2)

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
      while !Task.isCancelled {
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
        try? await Task.sleep(for: period)
      }
    }
  }
}

// `kproxy run --counters`: the kernel's per-service-port counters on /metrics as
// kproxy_service_packets_total and kproxy_service_bytes_total{namespace,name,port}.
import NIOConcurrencyHelpers
import Prometheus

/// Publishes snapshots of the kernel's counter objects. Thread-safe.
public final class ServiceCounterMetrics: Sendable {
  /// A service port's labels.
  public struct Port: Sendable, Hashable {
    public var namespace, name, port: String
    public init(namespace: String, name: String, port: String) {
      self.namespace = namespace
      self.name = name
      self.port = port
    }
    var labels: [(String, String)] { [("namespace", namespace), ("name", name), ("port", port)] }
  }

  /// Absolute packet and byte counts of one service port (both families summed).
  public struct Values: Sendable, Hashable {
    public var packets: UInt64
    public var bytes: UInt64
    public init(packets: UInt64, bytes: UInt64) {
      self.packets = packets
      self.bytes = bytes
    }
  }

  let registry: PrometheusCollectorRegistry
  private let last = NIOLockedValueBox<[Port: Values]>([:])

  static var packets: MetricNameDescriptor {
    MetricNameDescriptor(
      metricName: "kproxy_service_packets_total", unitName: "",
      helpText: "Packets sent to the service port's destinations (ClusterIP, external and LoadBalancer IPs, NodePort), counted before DNAT")
  }
  static var bytes: MetricNameDescriptor {
    MetricNameDescriptor(
      metricName: "kproxy_service_bytes_total", unitName: "", helpText: "Bytes of those packets (IP headers included)")
  }

  public init(registry: PrometheusCollectorRegistry) { self.registry = registry }

  /// Moves each port's counters to its kernel values: by the growth, or by the whole value
  /// when it went down (the counter was declared anew and counts from zero). Ports no longer
  /// reported lose their series.
  public func publish(_ values: [Port: Values]) {
    last.withLockedValue { last in
      for (port, v) in values {
        let before = last[port] ?? Values(packets: 0, bytes: 0)
        Self.advance(registry.makeCounter(descriptor: Self.packets, labels: port.labels), from: before.packets, to: v.packets)
        Self.advance(registry.makeCounter(descriptor: Self.bytes, labels: port.labels), from: before.bytes, to: v.bytes)
        last[port] = v
      }
      for port in last.keys where values[port] == nil {
        registry.unregisterCounter(registry.makeCounter(descriptor: Self.packets, labels: port.labels))
        registry.unregisterCounter(registry.makeCounter(descriptor: Self.bytes, labels: port.labels))
        last[port] = nil
      }
    }
  }

  private static func advance(_ counter: Counter, from: UInt64, to: UInt64) {
    let delta = to >= from ? to - from : to
    if delta > 0 { counter.increment(by: Int64(clamping: delta)) }
  }
}

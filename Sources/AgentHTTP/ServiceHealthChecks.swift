// Which services need a health-check node port and how many local ready endpoints each has, from
// the Services and the reconciled service ports (kube-proxy: HealthCheckNodePorts, LocalReadyEndpoints).
import KubeAPI
import ServiceProxy

/// The desired health checks of a node.
public enum ServiceHealthChecks {
  /// kube-proxy's rule (apiservice.NeedsHealthCheck): type LoadBalancer with externalTrafficPolicy Local
  /// and a healthCheckNodePort (the API server allocates one exactly then). The endpoint count is the
  /// number of distinct ready local endpoints (IP and port) over all the service's ports and families.
  public static func desired(services: [Service], servicePorts: [ServicePortInfo]) -> [NamespacedName: ServiceHealthCheck] {
    var checks: [NamespacedName: ServiceHealthCheck] = [:]
    for service in services
    where service.type == .loadBalancer && service.externalTrafficPolicy == .local && service.healthCheckNodePort != 0 {
      checks[service.meta.key] = ServiceHealthCheck(port: service.healthCheckNodePort, localEndpoints: 0)
    }
    var local: [NamespacedName: Set<String>] = [:]
    for port in servicePorts where checks[port.name.service] != nil {
      for endpoint in port.endpoints where endpoint.ready && endpoint.isLocal {
        local[port.name.service, default: []].insert("\(endpoint.ip)|\(endpoint.port)")
      }
    }
    for (name, endpoints) in local { checks[name]?.localEndpoints = endpoints.count }
    return checks
  }
}

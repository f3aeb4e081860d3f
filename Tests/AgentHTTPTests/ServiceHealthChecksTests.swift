// Which services get a health-check node port and their local ready endpoint counts, table-driven.
import AgentHTTP
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

struct ServiceHealthChecksTests {
  static func service(_ name: String, _ type: ServiceType, _ policy: TrafficPolicy, healthCheckNodePort: Int) -> Service {
    Service(
      meta: ObjectMeta(name: name, namespace: "default"), type: type, externalTrafficPolicy: policy,
      healthCheckNodePort: healthCheckNodePort)
  }

  static func port(_ service: String, _ port: String, _ family: IPFamily, _ endpoints: [EndpointInfo]) -> ServicePortInfo {
    ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: "default", name: service), port: port, protocol_: .tcp),
      family: family, clusterIP: family == .v4 ? IPAddress("10.96.0.1")! : IPAddress("fd00::1")!, port: 80, nodePort: 30080,
      externalTrafficPolicy: .local, endpoints: endpoints)
  }

  static func endpoint(_ ip: String, _ port: Int, local: Bool = true, ready: Bool = true) -> EndpointInfo {
    EndpointInfo(ip: IPAddress(ip)!, port: port, isLocal: local, ready: ready, serving: ready, terminating: false)
  }

  @Test func onlyLoadBalancersWithLocalPolicyAndAPort() {
    let services = [
      Self.service("lb-local", .loadBalancer, .local, healthCheckNodePort: 32000),
      Self.service("lb-cluster", .loadBalancer, .cluster, healthCheckNodePort: 32001),
      Self.service("np-local", .nodePort, .local, healthCheckNodePort: 32002),
      Self.service("lb-local-no-port", .loadBalancer, .local, healthCheckNodePort: 0),
    ]
    let checks = ServiceHealthChecks.desired(services: services, servicePorts: [])
    #expect(checks == [NamespacedName(namespace: "default", name: "lb-local"): ServiceHealthCheck(port: 32000, localEndpoints: 0)])
  }

  @Test func countsDistinctReadyLocalEndpoints() {
    let services = [Self.service("web", .loadBalancer, .local, healthCheckNodePort: 32000)]
    let ports = [
      Self.port(
        "web", "http", .v4,
        [
          Self.endpoint("10.0.0.1", 8080), Self.endpoint("10.0.0.2", 8080, local: false),
          Self.endpoint("10.0.0.3", 8080, ready: false),
        ]),
      Self.port("web", "https", .v4, [Self.endpoint("10.0.0.1", 8443)]),
      Self.port("web", "http", .v6, [Self.endpoint("fd00::10", 8080)]),
      Self.port("other", "http", .v4, [Self.endpoint("10.0.0.9", 8080)]),
    ]
    let checks = ServiceHealthChecks.desired(services: services, servicePorts: ports)
    // 10.0.0.1:8080, 10.0.0.1:8443, [fd00::10]:8080; not the remote nor the unready one.
    #expect(checks == [NamespacedName(namespace: "default", name: "web"): ServiceHealthCheck(port: 32000, localEndpoints: 3)])
  }
}

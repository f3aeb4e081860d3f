// kube-proxy's CategorizeEndpoints: ready first, serving-terminating fallback, Local policies.
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

@Suite struct EndpointCategoriesTests {
  static func ep(_ last: UInt8, local: Bool = false, ready: Bool = true, serving: Bool? = nil, terminating: Bool = false) -> EndpointInfo {
    EndpointInfo(
      ip: IPAddress("10.0.0.\(last)")!, port: 80, isLocal: local, ready: ready, serving: serving ?? ready, terminating: terminating)
  }
  static func info(_ eps: [EndpointInfo], etp: TrafficPolicy = .cluster, itp: TrafficPolicy = .cluster, nodePort: Int = 0)
    -> ServicePortInfo
  {
    ServicePortInfo(
      name: ServicePortName(service: .init(namespace: "ns", name: "s"), port: "p", protocol_: .tcp),
      family: .v4, clusterIP: IPAddress("10.96.0.1")!, port: 80, nodePort: nodePort,
      externalTrafficPolicy: etp, internalTrafficPolicy: itp, endpoints: eps)
  }
  static func last(_ eps: [EndpointInfo]) -> [String] { eps.map { String($0.ip.description.split(separator: ".").last!) } }

  @Test func readyEndpointsWinOverTerminating() {
    let c = EndpointCategories(Self.info([Self.ep(1), Self.ep(2, ready: false, serving: true, terminating: true)]))
    #expect(Self.last(c.cluster) == ["1"])
    #expect(c.local.isEmpty && c.hasAnyEndpoints)
  }

  @Test func fallBackToServingTerminating() {
    let c = EndpointCategories(
      Self.info([
        Self.ep(1, ready: false, serving: true, terminating: true), Self.ep(2, ready: false, serving: false, terminating: true),
        Self.ep(3, ready: false),
      ]))
    #expect(Self.last(c.cluster) == ["1"])
    #expect(c.hasAnyEndpoints)
  }

  @Test func noUsableEndpoints() {
    let c = EndpointCategories(Self.info([Self.ep(1, ready: false), Self.ep(2, ready: false, serving: false, terminating: true)]))
    #expect(c.cluster.isEmpty && !c.hasAnyEndpoints)
  }

  @Test func externalLocalUsesLocalReadyAndKeepsClusterForShortCircuit() {
    let c = EndpointCategories(
      Self.info(
        [Self.ep(1, local: true), Self.ep(2), Self.ep(3, local: true, ready: false, serving: true, terminating: true)], etp: .local,
        nodePort: 30000))
    #expect(Self.last(c.local) == ["1"])
    #expect(Self.last(c.cluster) == ["1", "2"])
    #expect(Self.last(c.allReachable) == ["1", "2"])
  }

  @Test func localFallsBackToLocalServingTerminating() {
    let c = EndpointCategories(
      Self.info([Self.ep(1, local: true, ready: false, serving: true, terminating: true), Self.ep(2)], itp: .local))
    #expect(Self.last(c.local) == ["1"])
    #expect(c.cluster.isEmpty)  // internal Local and not externally accessible: Cluster never used
    #expect(c.hasAnyEndpoints)
  }

  @Test func externalLocalWithoutNodePortIsNotExternal() {
    // eTP Local on a service that is not externally accessible behaves as Cluster.
    let c = EndpointCategories(Self.info([Self.ep(1, local: true), Self.ep(2)], etp: .local))
    #expect(c.local.isEmpty)
    #expect(Self.last(c.cluster) == ["1", "2"])
  }
}

// ConntrackCleanupPlan: which UDP flows are stale (kube-proxy's cleanup_test.go cases, plus
// IPv6, shared destinations, no endpoints) and when a sync needs a cleanup at all.
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

private let clusterIP = "172.30.1.1"
private let externalIP = "192.168.99.100"
private let loadBalancerIP = "1.2.3.4"
private let serving = "10.240.0.4"
private let notServing = "10.240.1.5"
private let deleted = "10.240.2.6"

private func addr(_ s: String) -> IPAddress { IPAddress(s)! }

private func endpoint(_ address: String, port: Int = 8000, serving: Bool = true) -> EndpointInfo {
  EndpointInfo(ip: addr(address), port: port, isLocal: false, ready: serving, serving: serving, terminating: false)
}

private func port(
  _ proto: L4Protocol, name: String = "test", clusterIP: String = clusterIP, port: Int = 8000, nodePort: Int = 0,
  externalIPs: [String] = [], loadBalancerIPs: [String] = [], endpoints: [EndpointInfo]
) -> ServicePortInfo {
  ServicePortInfo(
    name: ServicePortName(service: NamespacedName(namespace: "test", name: name), port: proto.lowercased, protocol_: proto),
    family: addr(clusterIP).family, clusterIP: addr(clusterIP), port: port, nodePort: nodePort, externalIPs: externalIPs.map(ip),
    loadBalancerIPs: loadBalancerIPs.map(ip), endpoints: endpoints)
}

/// kube-proxy's test service: TCP, UDP and SCTP on port 8000, UDP and SCTP with NodePort 32000,
/// an externalIP and a LoadBalancer IP; one serving and one non-serving endpoint.
private let testService: [ServicePortInfo] = [L4Protocol.tcp, .udp, .sctp].map { p in
  port(
    p, nodePort: p == .tcp ? 0 : 32000, externalIPs: [externalIP], loadBalancerIPs: [loadBalancerIP],
    endpoints: [endpoint(serving), endpoint(notServing, serving: false)])
}

struct StaleFlowCase: CustomTestStringConvertible, Sendable {
  var name: String
  var servicePorts: [ServicePortInfo]
  /// The flow's original destination and reply source, as "IP:PORT" ("[IPv6]:PORT").
  var destination: String
  var replySource: String
  var stale: Bool
  var testDescription: String { name }

  static func addressPort(_ s: String) -> ConntrackAddressPort {
    let colon = s.lastIndex(of: ":")!
    let host = String(s[..<colon].filter { $0 != "[" && $0 != "]" })
    return ConntrackAddressPort(addr(host), Int(s[s.index(after: colon)...])!)
  }
}

@Suite("Conntrack cleanup plan")
struct ConntrackCleanupPlanTests {
  static let staleCases: [StaleFlowCase] = [
    // Service IPs (ClusterIP, LoadBalancer IP, externalIP) on the service port.
    .init(
      name: "ClusterIP to the serving endpoint", servicePorts: testService, destination: "\(clusterIP):8000",
      replySource: "\(serving):8000", stale: false),
    .init(
      name: "ClusterIP to a non-serving endpoint", servicePorts: testService, destination: "\(clusterIP):8000",
      replySource: "\(notServing):8000", stale: true),
    .init(
      name: "ClusterIP to a deleted endpoint", servicePorts: testService, destination: "\(clusterIP):8000", replySource: "\(deleted):8000",
      stale: true),
    .init(
      name: "LoadBalancer IP to a deleted endpoint", servicePorts: testService, destination: "\(loadBalancerIP):8000",
      replySource: "\(deleted):8000", stale: true),
    .init(
      name: "LoadBalancer IP to the serving endpoint", servicePorts: testService, destination: "\(loadBalancerIP):8000",
      replySource: "\(serving):8000", stale: false),
    .init(
      name: "externalIP to a deleted endpoint", servicePorts: testService, destination: "\(externalIP):8000",
      replySource: "\(deleted):8000", stale: true),
    .init(
      name: "externalIP to the serving endpoint", servicePorts: testService, destination: "\(externalIP):8000",
      replySource: "\(serving):8000", stale: false),
    // The serving endpoint's IP on another port is not the endpoint.
    .init(
      name: "ClusterIP to the serving IP on another port", servicePorts: testService, destination: "\(clusterIP):8000",
      replySource: "\(serving):9000", stale: true),
    // Never DNATed: the reply comes from the service IP itself (the flow reached the node before the service had endpoints).
    .init(
      name: "ClusterIP flow never DNATed", servicePorts: testService, destination: "\(clusterIP):8000", replySource: "\(clusterIP):8000",
      stale: true),
    .init(
      name: "externalIP flow never DNATed", servicePorts: testService, destination: "\(externalIP):8000", replySource: "\(externalIP):8000",
      stale: true),
    // A port that is not a service port of that IP is not the service's.
    .init(
      name: "ClusterIP, another port", servicePorts: testService, destination: "\(clusterIP):3000", replySource: "\(deleted):3000",
      stale: false),
    .init(
      name: "ClusterIP, another port, never DNATed", servicePorts: testService, destination: "\(clusterIP):3000",
      replySource: "\(clusterIP):3000", stale: false),
    // NodePort: any destination address.
    .init(
      name: "NodePort to a deleted endpoint", servicePorts: testService, destination: "192.168.1.2:32000", replySource: "\(deleted):8000",
      stale: true),
    .init(
      name: "NodePort to a non-serving endpoint", servicePorts: testService, destination: "10.0.0.1:32000",
      replySource: "\(notServing):8000", stale: true),
    .init(
      name: "NodePort to the serving endpoint", servicePorts: testService, destination: "192.168.1.2:32000", replySource: "\(serving):8000",
      stale: false),
    .init(
      name: "NodePort flow never DNATed", servicePorts: testService, destination: "192.168.1.2:32000", replySource: "192.168.1.2:32000",
      stale: true),
    // Only UDP service ports count: a TCP or SCTP service port claims nothing.
    .init(
      name: "TCP-only service", servicePorts: [port(.tcp, endpoints: [endpoint(serving)])], destination: "\(clusterIP):8000",
      replySource: "\(deleted):8000", stale: false),
    .init(
      name: "SCTP-only service with NodePort", servicePorts: [port(.sctp, nodePort: 32000, endpoints: [endpoint(serving)])],
      destination: "192.168.1.2:32000", replySource: "\(deleted):8000", stale: false),
    // A service port without serving endpoints claims nothing (its flows wait for an endpoint).
    .init(
      name: "UDP service without endpoints", servicePorts: [port(.udp, nodePort: 32000, endpoints: [])],
      destination: "\(clusterIP):8000", replySource: "\(clusterIP):8000", stale: false),
    .init(
      name: "UDP service with only a non-serving endpoint", servicePorts: [port(.udp, endpoints: [endpoint(notServing, serving: false)])],
      destination: "\(clusterIP):8000", replySource: "\(deleted):8000", stale: false),
    // A terminating endpoint that still serves keeps its flows (kube-proxy ignores policies and terminating).
    .init(
      name: "terminating but serving endpoint",
      servicePorts: [
        port(.udp, endpoints: [EndpointInfo(ip: addr(serving), port: 8000, isLocal: false, ready: false, serving: true, terminating: true)])
      ], destination: "\(clusterIP):8000", replySource: "\(serving):8000", stale: false),
    // Two services sharing an externalIP on one port: the endpoints of both are kept.
    .init(
      name: "shared externalIP keeps both services' endpoints",
      servicePorts: [
        port(.udp, name: "a", clusterIP: "172.30.1.1", externalIPs: [externalIP], endpoints: [endpoint(serving)]),
        port(.udp, name: "b", clusterIP: "172.30.1.2", externalIPs: [externalIP], endpoints: [endpoint(deleted)]),
      ], destination: "\(externalIP):8000", replySource: "\(deleted):8000", stale: false),
    // IPv6.
    .init(
      name: "IPv6 ClusterIP to a deleted endpoint",
      servicePorts: [port(.udp, clusterIP: "fd00:96::10", endpoints: [endpoint("fd00:244::4")])],
      destination: "[fd00:96::10]:8000", replySource: "[fd00:244::6]:8000", stale: true),
    .init(
      name: "IPv6 ClusterIP to the serving endpoint",
      servicePorts: [port(.udp, clusterIP: "fd00:96::10", endpoints: [endpoint("fd00:244::4")])],
      destination: "[fd00:96::10]:8000", replySource: "[fd00:244::4]:8000", stale: false),
  ]

  @Test(arguments: staleCases)
  func staleFlow(_ c: StaleFlowCase) {
    let destination = StaleFlowCase.addressPort(c.destination)
    let plan = ConntrackCleanupPlan(family: destination.ip.family, servicePorts: c.servicePorts)
    #expect(plan.isStale(originalDestination: destination, replySource: StaleFlowCase.addressPort(c.replySource)) == c.stale)
  }

  @Test("A plan is per family: the other family's service ports claim nothing")
  func perFamily() {
    let ports = [
      port(.udp, endpoints: [endpoint(serving)]), port(.udp, name: "v6", clusterIP: "fd00:96::10", endpoints: [endpoint("fd00:244::4")]),
    ]
    let v4 = ConntrackCleanupPlan(family: .v4, servicePorts: ports)
    #expect(v4.destinations.keys.map(\.description) == ["\(clusterIP):8000"])
    let v6 = ConntrackCleanupPlan(family: .v6, servicePorts: ports)
    #expect(v6.destinations.keys.map(\.description) == ["[fd00:96::10]:8000"])
    #expect(ConntrackCleanupPlan(family: .v6, servicePorts: [ports[0]]).isEmpty)
  }

  struct RequiredCase: CustomTestStringConvertible, Sendable {
    var name: String
    var previous: [ServicePortInfo]
    var current: [ServicePortInfo]
    var required: Bool
    var testDescription: String { name }
  }

  static let udpA = port(.udp, endpoints: [endpoint(serving)])
  static let udpB = port(.udp, endpoints: [endpoint(deleted)])
  static let udpNone = port(.udp, endpoints: [])
  static let tcpA = port(.tcp, endpoints: [endpoint(serving)])
  static let tcpB = port(.tcp, endpoints: [endpoint(deleted)])

  static let requiredCases: [RequiredCase] = [
    .init(name: "nothing", previous: [], current: [], required: false),
    .init(name: "no change", previous: [udpA, tcpA], current: [udpA, tcpA], required: false),
    .init(name: "UDP endpoint replaced", previous: [udpA], current: [udpB], required: true),
    .init(name: "UDP endpoint removed", previous: [udpA], current: [udpNone], required: true),
    .init(name: "UDP service gets its first endpoint", previous: [udpNone], current: [udpA], required: true),
    .init(name: "new UDP service with endpoints (first sync)", previous: [], current: [udpA], required: true),
    .init(name: "new UDP service without endpoints", previous: [], current: [udpNone], required: false),
    .init(name: "UDP service with endpoints deleted", previous: [udpA], current: [], required: true),
    .init(name: "UDP service without endpoints deleted", previous: [udpNone], current: [], required: false),
    .init(name: "only TCP endpoints changed", previous: [tcpA, udpA], current: [tcpB, udpA], required: false),
    .init(
      name: "UDP endpoint stops serving", previous: [udpA], current: [port(.udp, endpoints: [endpoint(serving, serving: false)])],
      required: true),
  ]

  @Test(arguments: requiredCases)
  func required(_ c: RequiredCase) {
    #expect(ConntrackCleanupPlan.isRequired(previous: c.previous, current: c.current) == c.required)
    // The same from the sync's changes.
    let key = { (i: ServicePortInfo) in ServicePortKey(family: i.family, name: i.name) }
    let before = Dictionary(uniqueKeysWithValues: c.previous.map { (key($0), $0) })
    let after = Dictionary(uniqueKeysWithValues: c.current.map { (key($0), $0) })
    let changes = ProxyChanges(
      node: NodeConfig(hostname: "node"), changed: c.current.filter { before[key($0)] != $0 },
      removed: c.previous.map(key).filter { after[$0] == nil })
    #expect(ConntrackCleanupPlan.isRequired(by: changes, previous: before) == c.required)
    let full = ProxyChanges(node: NodeConfig(hostname: "node"), full: ProxyState(servicePorts: c.current))
    #expect(ConntrackCleanupPlan.isRequired(by: full, previous: before) == c.required)
  }
}

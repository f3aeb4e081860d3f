// ListenerPlan, table-driven: endpoint choice per traffic policy, listeners per service type,
// conflicts, --listen-address reassignment (taken and privileged ports, stability), SCTP, IPv6.
import Foundation
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

@testable import UserspaceProxy

func ip(_ s: String) -> IPAddress { IPAddress(s)! }

func portName(_ svc: String, _ port: String = "", _ proto: L4Protocol = .tcp) -> ServicePortName {
  ServicePortName(service: NamespacedName(namespace: "default", name: svc), port: port, protocol_: proto)
}

func endpoint(_ addr: String, local: Bool = false, ready: Bool = true, terminating: Bool = false, serving: Bool? = nil) -> EndpointInfo {
  EndpointInfo(ip: ip(addr), port: 8080, isLocal: local, ready: ready, serving: serving ?? ready, terminating: terminating)
}

func servicePort(
  _ name: ServicePortName, clusterIP: String = "10.96.0.10", port: Int = 80, nodePort: Int = 0, externalIPs: [String] = [],
  lbIPs: [String] = [], etp: TrafficPolicy = .cluster, itp: TrafficPolicy = .cluster, endpoints: [EndpointInfo] = [endpoint("10.1.0.1")]
) -> ServicePortInfo {
  let cluster = ip(clusterIP)
  return ServicePortInfo(
    name: name, family: cluster.family, clusterIP: cluster, port: port, nodePort: nodePort, externalIPs: externalIPs.map(ip),
    loadBalancerIPs: lbIPs.map(ip), externalTrafficPolicy: etp, internalTrafficPolicy: itp, endpoints: endpoints)
}

let testNode = NodeConfig(hostname: "node-a", nodeIPs: [ip("192.168.1.10"), ip("fd00::10")], nodePortAddresses: .primary)

extension ListenerPlan {
  /// `ADDR -> scope` lines of every service port, sorted, for compact expectations.
  var listenerLines: [String] {
    table.ports.values.flatMap { p in p.listeners.map { "\($0.key) \($0.value.rawValue) \(PortAssignments.key(p.name))" } }.sorted()
  }
}

@Suite struct ListenerPlanEndpointTests {
  struct Case: Sendable, CustomStringConvertible {
    var description: String
    var port: ServicePortInfo
    var internalEPs: [String]
    var externalEPs: [String]
  }

  static let eps = [
    endpoint("10.1.0.1", local: true), endpoint("10.1.0.2"),
    endpoint("10.1.0.3", local: true, ready: false, terminating: true, serving: true),
    endpoint("10.1.0.4", ready: false),
  ]
  static let terminatingOnly = [
    endpoint("10.1.0.3", local: true, ready: false, terminating: true, serving: true),
    endpoint("10.1.0.5", ready: false, terminating: true, serving: false),
  ]

  static let cases: [Case] = [
    Case(
      description: "cluster policies: ready endpoints", port: servicePort(portName("a"), nodePort: 30080, endpoints: eps),
      internalEPs: ["10.1.0.1:8080", "10.1.0.2:8080"], externalEPs: ["10.1.0.1:8080", "10.1.0.2:8080"]),
    Case(
      description: "internalTrafficPolicy Local: local ready ones inside", port: servicePort(portName("a"), itp: .local, endpoints: eps),
      internalEPs: ["10.1.0.1:8080"], externalEPs: []),
    Case(
      description: "externalTrafficPolicy Local: local ones outside, all inside",
      port: servicePort(portName("a"), nodePort: 30080, etp: .local, endpoints: eps),
      internalEPs: ["10.1.0.1:8080", "10.1.0.2:8080"], externalEPs: ["10.1.0.1:8080"]),
    Case(
      description: "no ready endpoint: serving-terminating fallback",
      port: servicePort(portName("a"), nodePort: 30080, etp: .local, endpoints: terminatingOnly),
      internalEPs: ["10.1.0.3:8080"], externalEPs: ["10.1.0.3:8080"]),
    Case(description: "no endpoint at all", port: servicePort(portName("a"), endpoints: []), internalEPs: [], externalEPs: []),
  ]

  @Test(arguments: cases) func endpointsFollowThePolicies(_ c: Case) {
    let plan = ListenerPlan([c.port], node: testNode, options: ListenerPlanOptions())
    let p = plan.table.ports[c.port.name]!
    #expect(p.internalEndpoints.endpoints.map(\.description) == c.internalEPs)
    #expect(p.externalEndpoints.endpoints.map(\.description) == c.externalEPs)
  }

  @Test func aWildcardNodePortAndASpecificAddressOnItsPortDoNotBothListen() {
    let everyAddress = NodeConfig(hostname: "node-a", nodeIPs: [ip("192.168.1.10")], nodePortAddresses: .cidrs([IPPrefix("0.0.0.0/0")!]))
    let ports = [
      servicePort(portName("a"), port: 80, nodePort: 30080),
      servicePort(portName("b"), clusterIP: "10.96.0.11", port: 30080),
    ]
    let plan = ListenerPlan(ports, node: everyAddress, options: ListenerPlanOptions())
    // NodePorts on every address take port 30080 on all of the node's IPv4 addresses: b's
    // ClusterIP listener on that port would fail to bind.
    #expect(plan.listenerLines == ["0.0.0.0:30080/TCP external default/a/TCP", "10.96.0.10:80/TCP internal default/a/TCP"])
    #expect(
      plan.warnings == [
        "10.96.0.11:30080/TCP and 0.0.0.0:30080/TCP (same port) are wanted by default/a/TCP and default/b/TCP: default/a/TCP keeps it"
      ])
  }

  @Test func bothFamiliesShareOneServicePort() {
    let v4 = servicePort(portName("a"), endpoints: [endpoint("10.1.0.1")])
    let v6 = servicePort(portName("a"), clusterIP: "fd00:96::10", endpoints: [endpoint("fd00:1::1")])
    let plan = ListenerPlan([v6, v4], node: testNode, options: ListenerPlanOptions())
    #expect(plan.table.ports.count == 1)
    #expect(plan.table.ports[portName("a")]!.internalEndpoints.endpoints.map(\.description) == ["10.1.0.1:8080", "[fd00:1::1]:8080"])
    #expect(plan.listenerLines == ["10.96.0.10:80/TCP internal default/a/TCP", "[fd00:96::10]:80/TCP internal default/a/TCP"])
  }

  @Test func affinityIsCarried() {
    var info = servicePort(portName("a"))
    info.affinityTimeoutSeconds = 10800
    #expect(
      ListenerPlan([info], node: testNode, options: ListenerPlanOptions()).table.ports[portName("a")]?.affinityTimeoutSeconds == 10800)
  }
}

@Suite struct ListenerPlanListenerTests {
  struct Case: Sendable, CustomStringConvertible {
    var description: String
    var ports: [ServicePortInfo]
    var node: NodeConfig = testNode
    var options = ListenerPlanOptions()
    var listeners: [String]
    var warnings: [String] = []
  }

  static let cases: [Case] = [
    Case(description: "ClusterIP only", ports: [servicePort(portName("a"))], listeners: ["10.96.0.10:80/TCP internal default/a/TCP"]),
    Case(
      description: "UDP", ports: [servicePort(portName("dns", "", .udp), port: 53)],
      listeners: ["10.96.0.10:53/UDP internal default/dns/UDP"]),
    Case(
      description: "NodePort on the primary node IP", ports: [servicePort(portName("a"), nodePort: 30080)],
      listeners: ["10.96.0.10:80/TCP internal default/a/TCP", "192.168.1.10:30080/TCP external default/a/TCP"]),
    Case(
      description: "NodePort on every address", ports: [servicePort(portName("a"), nodePort: 30080)],
      node: NodeConfig(hostname: "node-a", nodeIPs: [ip("192.168.1.10")], nodePortAddresses: .cidrs([IPPrefix("0.0.0.0/0")!])),
      listeners: ["0.0.0.0:30080/TCP external default/a/TCP", "10.96.0.10:80/TCP internal default/a/TCP"]),
    Case(
      description: "NodePort on node IPs in a CIDR", ports: [servicePort(portName("a"), nodePort: 30080)],
      node: NodeConfig(
        hostname: "node-a", nodeIPs: [ip("192.168.1.10"), ip("172.16.0.5"), ip("172.16.0.6")],
        nodePortAddresses: .cidrs([IPPrefix("172.16.0.0/12")!])),
      listeners: [
        "10.96.0.10:80/TCP internal default/a/TCP", "172.16.0.5:30080/TCP external default/a/TCP",
        "172.16.0.6:30080/TCP external default/a/TCP",
      ]),
    Case(
      description: "external and LB IPs: only local ones",
      ports: [servicePort(portName("a"), externalIPs: ["203.0.113.1", "203.0.113.2"], lbIPs: ["198.51.100.7"])],
      options: ListenerPlanOptions(localAddresses: [ip("203.0.113.2"), ip("198.51.100.7")]),
      listeners: [
        "10.96.0.10:80/TCP internal default/a/TCP", "198.51.100.7:80/TCP external default/a/TCP",
        "203.0.113.2:80/TCP external default/a/TCP",
      ]),
    Case(
      description: "--bind-service-ips makes them all local",
      ports: [servicePort(portName("a"), externalIPs: ["203.0.113.1"], lbIPs: ["198.51.100.7"])],
      options: ListenerPlanOptions(bindServiceIPs: true),
      listeners: [
        "10.96.0.10:80/TCP internal default/a/TCP", "198.51.100.7:80/TCP external default/a/TCP",
        "203.0.113.1:80/TCP external default/a/TCP",
      ]),
    Case(
      description: "IPv6 NodePort", ports: [servicePort(portName("a"), clusterIP: "fd00:96::10", nodePort: 30080)],
      listeners: ["[fd00:96::10]:80/TCP internal default/a/TCP", "[fd00::10]:30080/TCP external default/a/TCP"]),
    Case(
      description: "SCTP skipped with one warning",
      ports: [servicePort(portName("s", "", .sctp)), servicePort(portName("s", "", .sctp), clusterIP: "fd00:96::10")],
      listeners: [], warnings: ["default/s/SCTP: SCTP is not proxied in userspace mode; skipped"]),
    Case(
      description: "two service ports want one external IP: the first keeps it",
      ports: [
        servicePort(portName("b"), clusterIP: "10.96.0.11", externalIPs: ["203.0.113.1"]),
        servicePort(portName("a"), externalIPs: ["203.0.113.1"]),
      ],
      options: ListenerPlanOptions(localAddresses: [ip("203.0.113.1")]),
      listeners: [
        "10.96.0.10:80/TCP internal default/a/TCP", "10.96.0.11:80/TCP internal default/b/TCP", "203.0.113.1:80/TCP external default/a/TCP",
      ],
      warnings: ["203.0.113.1:80/TCP is wanted by default/a/TCP and default/b/TCP: default/a/TCP keeps it"]),
    Case(
      description: "TCP and UDP on one address do not collide",
      ports: [servicePort(portName("dns", "tcp"), port: 53), servicePort(portName("dns", "udp", .udp), port: 53)],
      listeners: ["10.96.0.10:53/TCP internal default/dns:tcp/TCP", "10.96.0.10:53/UDP internal default/dns:udp/UDP"]),
  ]

  @Test(arguments: cases) func listenersPerServiceType(_ c: Case) {
    let plan = ListenerPlan(c.ports, node: c.node, options: c.options)
    #expect(plan.listenerLines == c.listeners)
    #expect(plan.warnings == c.warnings)
  }

  @Test func serviceIPsToBind() {
    let ports = [
      servicePort(portName("a"), externalIPs: ["203.0.113.1"], lbIPs: ["198.51.100.7"]),
      servicePort(portName("b"), clusterIP: "fd00:96::10"),
      servicePort(portName("s", "", .sctp), clusterIP: "10.96.0.99"),
    ]
    #expect(ListenerPlan.serviceIPs(ports).map(\.description) == ["10.96.0.10", "198.51.100.7", "203.0.113.1", "fd00:96::10"])
  }
}

@Suite struct ListenerPlanListenAddressTests {
  static let local = ListenerPlanOptions(listenAddress: ip("127.0.0.1"), portRange: 40000...40002, lowestBindablePort: 1024)

  @Test func eachServicePortOnItsOwnPortOrFromTheRange() {
    let ports = [
      servicePort(portName("web"), port: 8080, nodePort: 30080), servicePort(portName("web2"), clusterIP: "10.96.0.11", port: 8080),
      servicePort(portName("http"), clusterIP: "10.96.0.12", port: 80), servicePort(portName("dns", "", .udp), port: 8080),
      servicePort(portName("web"), clusterIP: "fd00:96::10", port: 8080),
    ]
    let plan = ListenerPlan(ports, node: testNode, options: Self.local)
    #expect(
      plan.listenerLines == [
        "127.0.0.1:40000/TCP internal default/http/TCP", "127.0.0.1:40001/TCP internal default/web2/TCP",
        "127.0.0.1:8080/TCP internal default/web/TCP", "127.0.0.1:8080/UDP internal default/dns/UDP",
      ])
    #expect(plan.reassigned[portName("http")] == "port 80 is below 1024, the lowest this process may bind")
    #expect(plan.reassigned[portName("web2")] == "port 8080 is taken by default/web/TCP")
    #expect(plan.assignments.ports == ["default/http/TCP": 40000, "default/web2/TCP": 40001])
    #expect(plan.warnings.isEmpty)
  }

  @Test func privilegedProcessKeepsLowPorts() {
    var options = Self.local
    options.lowestBindablePort = 0
    let plan = ListenerPlan([servicePort(portName("http"), port: 80)], node: testNode, options: options)
    #expect(plan.listenerLines == ["127.0.0.1:80/TCP internal default/http/TCP"])
    #expect(plan.assignments.ports.isEmpty)
  }

  @Test func onlyTheBindablePartOfTheRangeIsUsed() {
    var options = Self.local
    options.portRange = 1000...1025
    let ports = [servicePort(portName("a"), port: 80), servicePort(portName("b"), clusterIP: "10.96.0.11", port: 81)]
    let plan = ListenerPlan(ports, node: testNode, options: options)
    #expect(plan.listenerLines == ["127.0.0.1:1024/TCP internal default/a/TCP", "127.0.0.1:1025/TCP internal default/b/TCP"])
    options.portRange = 500...600
    let below = ListenerPlan(ports, node: testNode, options: options)
    #expect(below.listenerLines.isEmpty)
    #expect(
      below.warnings.first
        == "default/a/TCP: port 80 is below 1024, the lowest this process may bind, and --port-range 500-600 is below 1024 too: not proxied"
    )
  }

  @Test func assignmentsAreStableAcrossARestart() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-ports-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let store = PortAssignmentStore(directory: dir)
    let b = servicePort(portName("b"), port: 80)
    let first = ListenerPlan([b], node: testNode, options: Self.local, previous: store.load())
    #expect(first.listenerLines == ["127.0.0.1:40000/TCP internal default/b/TCP"])
    try store.save(first.assignments)
    // After the restart an earlier-sorted service port also needs a range port: b keeps 40000.
    let a = servicePort(portName("a"), clusterIP: "10.96.0.11", port: 81)
    let second = ListenerPlan([a, b], node: testNode, options: Self.local, previous: store.load())
    #expect(second.listenerLines == ["127.0.0.1:40000/TCP internal default/b/TCP", "127.0.0.1:40001/TCP internal default/a/TCP"])
    // Without the file, the sorted order decides and b would move.
    let fresh = ListenerPlan([a, b], node: testNode, options: Self.local)
    #expect(fresh.listenerLines == ["127.0.0.1:40000/TCP internal default/a/TCP", "127.0.0.1:40001/TCP internal default/b/TCP"])
  }

  @Test func previousAssignmentOutsideTheRangeIsReplaced() {
    let previous = PortAssignments(ports: ["default/b/TCP": 50000])
    let plan = ListenerPlan([servicePort(portName("b"), port: 80)], node: testNode, options: Self.local, previous: previous)
    #expect(plan.listenerLines == ["127.0.0.1:40000/TCP internal default/b/TCP"])
  }

  @Test func fullRangeAndNoRangeAreWarned() {
    let ports = (0..<4).map { servicePort(portName("s\($0)"), port: 80 + $0) }
    let plan = ListenerPlan(ports, node: testNode, options: Self.local)
    #expect(plan.table.ports.count == 3)
    #expect(
      plan.warnings == [
        "default/s3/TCP: port 83 is below 1024, the lowest this process may bind, and --port-range 40000-40002 is full: not proxied"
      ])
    var noRange = Self.local
    noRange.portRange = nil
    let none = ListenerPlan([servicePort(portName("s"), port: 80)], node: testNode, options: noRange)
    #expect(none.table.ports.isEmpty)
    #expect(
      none.warnings == ["default/s/TCP: port 80 is below 1024, the lowest this process may bind, and no --port-range is given: not proxied"]
    )
  }

  @Test func storeSkipsDamagedLines() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-ports-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    try "default/a/TCP 40001\ngarbage\ndefault/b/UDP 99999\ndefault/c:x/UDP 40002\n".write(
      toFile: dir + "/port-assignments", atomically: true, encoding: .utf8)
    #expect(PortAssignmentStore(directory: dir).load().ports == ["default/a/TCP": 40001, "default/c:x/UDP": 40002])
  }

  @Test func bindPrivilegeFromCapabilities() {
    #expect(BindPrivilege.lowestBindablePort(status: "Name:\tx\nCapEff:\t0000000000000400\n", unprivilegedPortStart: "1024\n") == 0)
    #expect(BindPrivilege.lowestBindablePort(status: "CapEff:\t0000000000000000\n", unprivilegedPortStart: "1024\n") == 1024)
    #expect(BindPrivilege.lowestBindablePort(status: "CapEff:\t0000000000000000\n", unprivilegedPortStart: "80\n") == 80)
    #expect(PortAssignmentStore.defaultDirectory(isRoot: false, environment: ["XDG_STATE_HOME": "/s", "HOME": "/h"]) == "/s/kproxy")
    #expect(PortAssignmentStore.defaultDirectory(isRoot: false, environment: ["HOME": "/h"]) == "/h/.local/state/kproxy")
  }
}

// The reconciler on small object sets: slices vs pods, conditions defaulting, named ports,
// per-family handling, traffic-policy categorization (table-driven where it fits).
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

func ip(_ s: String) -> IPAddress { IPAddress(s)! }

func service(
  _ name: String, ns: String = "default", ips: [String] = ["10.96.0.10"], ports: [KubeAPI.ServicePort] = [.init(name: "http", port: 80)],
  selector: [String: String]? = nil, type: ServiceType = .clusterIP
) -> Service {
  Service(meta: ObjectMeta(name: name, namespace: ns), type: type, clusterIPs: ips.map(ip), ports: ports, selector: selector)
}

func slice(
  _ name: String, svc: String, ns: String = "default", type: AddressType = .ipv4, endpoints: [SliceEndpoint],
  ports: [EndpointPort] = [.init(name: "http", port: 8080)]
) -> EndpointSlice {
  EndpointSlice(
    meta: ObjectMeta(name: name, namespace: ns, labels: [EndpointSlice.serviceNameLabel: svc]), addressType: type, endpoints: endpoints,
    ports: ports)
}

let node = NodeConfig(hostname: "node-a", nodeIPs: [ip("192.168.1.10")])

@Suite struct ReconcilerTests {
  @Test func slicesMergeDeduplicateAndSort() throws {
    let objects = ObjectSet(
      services: [service("web")],
      endpointSlices: [
        slice(
          "web-b", svc: "web",
          endpoints: [.init(addresses: [ip("10.0.0.3")]), .init(addresses: [ip("10.0.0.1")], conditions: .init(ready: false))]),
        slice(
          "web-a", svc: "web", endpoints: [.init(addresses: [ip("10.0.0.1")], nodeName: "node-a"), .init(addresses: [ip("10.0.0.2")])]),
        slice("other", svc: "other", endpoints: [.init(addresses: [ip("10.0.0.9")])]),
      ])
    let ports = Reconciler.reconcile(objects, node: node).servicePorts
    #expect(ports.count == 1)
    let eps = ports[0].endpoints
    #expect(eps.map(\.ip) == [ip("10.0.0.1"), ip("10.0.0.2"), ip("10.0.0.3")])
    // The duplicate 10.0.0.1 resolves to slice "web-a" (first by name): ready and local.
    #expect(eps[0].ready && eps[0].isLocal)
    #expect(eps.allSatisfy { $0.port == 8080 })
  }

  @Test(arguments: [
    (EndpointConditions(), true, true, false),
    (EndpointConditions(ready: false), false, false, false),
    (EndpointConditions(ready: false, serving: true, terminating: true), false, true, true),
    (EndpointConditions(ready: true, serving: nil, terminating: nil), true, true, false),
  ])
  func conditionDefaults(c: EndpointConditions, ready: Bool, serving: Bool, terminating: Bool) {
    let objects = ObjectSet(
      services: [service("web")], endpointSlices: [slice("s", svc: "web", endpoints: [.init(addresses: [ip("10.0.0.1")], conditions: c)])])
    let ep = Reconciler.reconcile(objects, node: node).servicePorts[0].endpoints[0]
    #expect(ep.ready == ready && ep.serving == serving && ep.terminating == terminating)
  }

  @Test func slicePortsMatchByNameAndProtocol() {
    let svc = service("dns", ports: [.init(name: "dns", protocol_: .udp, port: 53), .init(name: "dns-tcp", protocol_: .tcp, port: 53)])
    let s = slice(
      "s", svc: "dns", endpoints: [.init(addresses: [ip("10.0.0.1")])],
      ports: [.init(name: "dns", protocol_: .udp, port: 5353), .init(name: "dns-tcp", protocol_: .tcp, port: 5354)])
    let ports = Reconciler.reconcile(ObjectSet(services: [svc], endpointSlices: [s]), node: node).servicePorts
    #expect(ports.map(\.name.description) == ["default/dns:dns", "default/dns:dns-tcp"])
    #expect(ports.map { $0.endpoints[0].port } == [5353, 5354])
  }

  @Test func podsAreUsedOnlyWithoutSlices() {
    let pod = Pod(meta: ObjectMeta(name: "p", namespace: "default", labels: ["app": "web"]), nodeName: "node-a", podIPs: [ip("10.0.0.7")])
    let svc = service("web", selector: ["app": "web"])
    let fromPods = Reconciler.reconcile(ObjectSet(services: [svc], pods: [pod]), node: node).servicePorts[0]
    #expect(fromPods.endpoints.map(\.ip) == [ip("10.0.0.7")])
    #expect(fromPods.endpoints[0].port == 80)
    let withSlice = Reconciler.reconcile(
      ObjectSet(services: [svc], endpointSlices: [slice("s", svc: "web", endpoints: [])], pods: [pod]), node: node
    ).servicePorts[0]
    #expect(withSlice.endpoints.isEmpty)
  }

  @Test func podSelectionAndNamedPorts() {
    func pod(
      _ name: String, _ ipText: String, labels: [String: String] = ["app": "web"], ns: String = "default", phase: PodPhase = .running,
      ready: Bool = true, deleting: Bool = false, ports: [ContainerPort] = [.init(name: "http", containerPort: 8080)]
    ) -> Pod {
      Pod(
        meta: ObjectMeta(name: name, namespace: ns, labels: labels, deletionTimestamp: deleting ? "2026-01-01T00:00:00Z" : nil),
        nodeName: "node-b", podIPs: [ip(ipText)], phase: phase, ready: ready, containerPorts: ports)
    }
    let pods = [
      pod("ok", "10.0.0.1"),
      pod("otherport", "10.0.0.2", ports: [.init(name: "http", containerPort: 9090)]),
      pod("noname", "10.0.0.3", ports: [.init(name: "metrics", containerPort: 8080)]),
      pod("udp", "10.0.0.4", ports: [.init(name: "http", containerPort: 8080, protocol_: .udp)]),
      pod("failed", "10.0.0.5", phase: .failed),
      pod("succeeded", "10.0.0.6", phase: .succeeded),
      pod("notready", "10.0.0.7", ready: false),
      pod("deleting", "10.0.0.8", deleting: true),
      pod("otherns", "10.0.0.9", ns: "other"),
      pod("otherlabels", "10.0.0.10", labels: ["app": "db"]),
    ]
    let svc = service("web", ports: [.init(name: "http", port: 80, targetPort: .string("http"))], selector: ["app": "web"])
    let eps = Reconciler.reconcile(ObjectSet(services: [svc], pods: pods), node: node).servicePorts[0].endpoints
    #expect(eps.map(\.ip.description) == ["10.0.0.1", "10.0.0.2", "10.0.0.7", "10.0.0.8"])
    #expect(eps.map(\.port) == [8080, 9090, 8080, 8080])
    #expect(eps.map(\.ready) == [true, true, false, false])
    #expect(eps.map(\.terminating) == [false, false, false, true])
    #expect(eps.map(\.serving) == [true, true, false, true])
  }

  @Test func headlessExternalNameAndNoClusterIPProduceNothing() {
    var headless = service("h", ips: [])
    headless.isHeadless = true
    var ext = service("e", ips: [])
    ext.type = .externalName
    let unset = service("u", ips: [])
    #expect(Reconciler.reconcile(ObjectSet(services: [headless, ext, unset]), node: node).servicePorts.isEmpty)
  }

  @Test func dualStackServiceSplitsByFamily() {
    let svc = service("web", ips: ["10.96.0.10", "fd00::10"])
    let objects = ObjectSet(
      services: [svc],
      endpointSlices: [
        slice("v4", svc: "web", endpoints: [.init(addresses: [ip("10.0.0.1")])]),
        slice("v6", svc: "web", type: .ipv6, endpoints: [.init(addresses: [ip("fd00:10::1")])]),
      ])
    let state = Reconciler.reconcile(objects, node: node)
    #expect(state.servicePorts(.v4).map { $0.endpoints.map(\.ip.description) } == [["10.0.0.1"]])
    #expect(state.servicePorts(.v6).map { $0.endpoints.map(\.ip.description) } == [["fd00:10::1"]])
    #expect(state.servicePorts(.v6)[0].clusterIP == ip("fd00::10"))
  }

  @Test func externalAddressesFollowTypeAndFamily() {
    var svc = service("lb", ips: ["10.96.0.10"], ports: [.init(name: "http", port: 80, nodePort: 30080)], type: .loadBalancer)
    svc.externalIPs = [ip("192.0.2.1"), ip("2001:db8::1")]
    svc.loadBalancerIngressIPs = [ip("198.51.100.1")]
    svc.loadBalancerSourceRanges = [IPPrefix("203.0.113.0/24")!]
    let p = Reconciler.reconcile(ObjectSet(services: [svc]), node: node).servicePorts[0]
    #expect(p.externalIPs == [ip("192.0.2.1")])
    #expect(p.loadBalancerIPs == [ip("198.51.100.1")])
    #expect(p.nodePort == 30080)
    svc.type = .clusterIP
    let c = Reconciler.reconcile(ObjectSet(services: [svc]), node: node).servicePorts[0]
    #expect(c.nodePort == 0 && c.loadBalancerIPs.isEmpty && c.loadBalancerSourceRanges.isEmpty)
    #expect(c.externalIPs == [ip("192.0.2.1")])
  }
}

// Topology-aware routing as kube-proxy does it: its CategorizeEndpoints test table (zone and
// node hints, fallbacks, traffic policies), hints from manifests through the reconciler, and
// the hints the EndpointSlice controller would give pod-derived endpoints (trafficDistribution).
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

/// One row of kube-proxy's `TestCategorizeEndpoints` (pkg/proxy/topology_test.go).
struct TopologyCase: CustomTestStringConvertible, Sendable {
  /// An endpoint as the Go table writes it: "10.1.2.3:80" plus hints and conditions; serving
  /// and terminating default to false (Go's zero value), as there.
  struct Endpoint: Sendable {
    var address: String
    var zones: [String] = []
    var nodes: [String] = []
    var ready = false
    var serving = false
    var terminating = false
    var local = false
  }

  var name: String
  var nodeName = "node-1"
  /// The node's `topology.kubernetes.io/zone` label; nil when it has none.
  var zone: String? = nil
  var externalLocal = false
  var internalLocal = false
  var nodePort = 0
  var endpoints: [Endpoint]
  /// nil: the port never uses that kind of endpoints (kube-proxy's nil set).
  var cluster: [String]?
  var local: [String]? = nil
  /// Only when both kinds are used; otherwise the one that is.
  var all: [String]? = nil
  /// hasAnyEndpoints despite no reachable endpoint.
  var onlyRemote = false

  var testDescription: String { name }

  func info() -> ServicePortInfo {
    let eps = endpoints.map { e in
      let parts = e.address.split(separator: ":")
      var info = EndpointInfo(
        ip: IPAddress(String(parts[0]))!, port: Int(parts[1])!, isLocal: e.local, ready: e.ready, serving: e.serving,
        terminating: e.terminating)
      info.hints = TopologyHintMatch(EndpointHints(forZones: e.zones, forNodes: e.nodes), nodeName: nodeName, zone: zone)
      return info
    }
    return ServicePortInfo(
      name: ServicePortName(service: .init(namespace: "ns", name: "svc"), port: "", protocol_: .tcp), family: .v4,
      clusterIP: IPAddress("10.96.0.1")!, port: 80, nodePort: nodePort,
      externalTrafficPolicy: externalLocal ? .local : .cluster, internalTrafficPolicy: internalLocal ? .local : .cluster,
      endpoints: eps.sorted())
  }
}

private typealias E = TopologyCase.Endpoint

@Suite struct TopologyTests {
  static let cases: [TopologyCase] = [
    TopologyCase(
      name: "should use topology since all endpoints have hints, node has a zone label and there are endpoints for the node's zone",
      zone: "zone-a",
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], ready: true), E(address: "10.1.2.4:80", zones: ["zone-b"], ready: true),
        E(address: "10.1.2.5:80", zones: ["zone-c"], ready: true), E(address: "10.1.2.6:80", zones: ["zone-a"], ready: true),
      ],
      cluster: ["10.1.2.3:80", "10.1.2.6:80"]),
    TopologyCase(
      name: "externalTrafficPolicy: Local, topology ignored for Local endpoints", zone: "zone-a", externalLocal: true, nodePort: 8080,
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], ready: true, local: true),
        E(address: "10.1.2.4:80", zones: ["zone-b"], ready: true, local: true),
        E(address: "10.1.2.5:80", zones: ["zone-c"], ready: true), E(address: "10.1.2.6:80", zones: ["zone-a"], ready: true),
      ],
      cluster: ["10.1.2.3:80", "10.1.2.6:80"], local: ["10.1.2.3:80", "10.1.2.4:80"],
      all: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.6:80"]),
    TopologyCase(
      name: "internalTrafficPolicy: Local, topology ignored for Local endpoints", zone: "zone-a", internalLocal: true, nodePort: 8080,
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], ready: true, local: true),
        E(address: "10.1.2.4:80", zones: ["zone-b"], ready: true, local: true),
        E(address: "10.1.2.5:80", zones: ["zone-c"], ready: true), E(address: "10.1.2.6:80", zones: ["zone-a"], ready: true),
      ],
      cluster: ["10.1.2.3:80", "10.1.2.6:80"], local: ["10.1.2.3:80", "10.1.2.4:80"],
      all: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.6:80"]),
    TopologyCase(
      name: "empty node labels", endpoints: [E(address: "10.1.2.3:80", zones: ["zone-a"], ready: true)], cluster: ["10.1.2.3:80"]),
    TopologyCase(
      name: "empty zone label", zone: "", endpoints: [E(address: "10.1.2.3:80", zones: ["zone-a"], ready: true)],
      cluster: ["10.1.2.3:80"]),
    TopologyCase(
      name: "node in different zone, no endpoint filtering", zone: "zone-b",
      endpoints: [E(address: "10.1.2.3:80", zones: ["zone-a"], ready: true)], cluster: ["10.1.2.3:80"]),
    TopologyCase(
      name: "unready endpoint", zone: "zone-a",
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], ready: true), E(address: "10.1.2.4:80", zones: ["zone-b"], ready: true),
        E(address: "10.1.2.5:80", zones: ["zone-c"], ready: true), E(address: "10.1.2.6:80", zones: ["zone-a"], ready: false),
      ],
      cluster: ["10.1.2.3:80"]),
    TopologyCase(
      name: "only unready endpoints in same zone (should not filter)", zone: "zone-a",
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], ready: false), E(address: "10.1.2.4:80", zones: ["zone-b"], ready: true),
        E(address: "10.1.2.5:80", zones: ["zone-c"], ready: true), E(address: "10.1.2.6:80", zones: ["zone-a"], ready: false),
      ],
      cluster: ["10.1.2.4:80", "10.1.2.5:80"]),
    TopologyCase(
      name: "missing hints, no filtering applied", zone: "zone-a",
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], ready: true), E(address: "10.1.2.4:80", zones: ["zone-b"], ready: true),
        E(address: "10.1.2.5:80", ready: true), E(address: "10.1.2.6:80", zones: ["zone-a"], ready: true),
      ],
      cluster: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.5:80", "10.1.2.6:80"]),
    TopologyCase(
      name: "multiple hints per endpoint, filtering includes any endpoint with zone included", zone: "zone-c",
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a", "zone-b", "zone-c"], ready: true),
        E(address: "10.1.2.4:80", zones: ["zone-b", "zone-c"], ready: true),
        E(address: "10.1.2.5:80", zones: ["zone-b", "zone-d"], ready: true), E(address: "10.1.2.6:80", zones: ["zone-c"], ready: true),
      ],
      cluster: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.6:80"]),
    // PreferSameTrafficDistribution is GA (locked on) since Kubernetes 1.35: node hints are
    // always read, so kube-proxy's "feature gate disabled" row has no counterpart here.
    TopologyCase(
      name: "PreferSameNode available", nodeName: "node-1", zone: "zone-a",
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], nodes: ["node-1"], ready: true),
        E(address: "10.1.2.4:80", zones: ["zone-b"], nodes: ["node-2"], ready: true),
        E(address: "10.1.2.5:80", zones: ["zone-c"], nodes: ["node-3"], ready: true),
        E(address: "10.1.2.6:80", zones: ["zone-a"], nodes: ["node-4"], ready: true),
      ],
      cluster: ["10.1.2.3:80"]),
    TopologyCase(
      name: "PreferSameNode ignored if some endpoints unhinted", nodeName: "node-1", zone: "zone-a",
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], nodes: ["node-1"], ready: true), E(address: "10.1.2.4:80", ready: true),
        E(address: "10.1.2.5:80", zones: ["zone-c"], nodes: ["node-3"], ready: true),
        E(address: "10.1.2.6:80", zones: ["zone-a"], nodes: ["node-4"], ready: true),
      ],
      cluster: ["10.1.2.3:80", "10.1.2.4:80", "10.1.2.5:80", "10.1.2.6:80"]),
    TopologyCase(
      name: "PreferSameNode falls back to PreferSameZone if no endpoint for node", nodeName: "node-0", zone: "zone-a",
      endpoints: [
        E(address: "10.1.2.3:80", zones: ["zone-a"], nodes: ["node-1"], ready: true),
        E(address: "10.1.2.4:80", zones: ["zone-b"], nodes: ["node-2"], ready: true),
        E(address: "10.1.2.5:80", zones: ["zone-c"], nodes: ["node-3"], ready: true),
        E(address: "10.1.2.6:80", zones: ["zone-a"], nodes: ["node-4"], ready: true),
      ],
      cluster: ["10.1.2.3:80", "10.1.2.6:80"]),
    TopologyCase(
      name: "conflicting topology and localness require merging allEndpoints", zone: "zone-a", externalLocal: true, nodePort: 8080,
      endpoints: [
        E(address: "10.0.0.0:80", zones: ["zone-a"], ready: true, local: true),
        E(address: "10.0.0.1:80", zones: ["zone-b"], ready: true, local: true),
        E(address: "10.0.0.2:80", zones: ["zone-a"], ready: true), E(address: "10.0.0.3:80", zones: ["zone-b"], ready: true),
      ],
      cluster: ["10.0.0.0:80", "10.0.0.2:80"], local: ["10.0.0.0:80", "10.0.0.1:80"],
      all: ["10.0.0.0:80", "10.0.0.1:80", "10.0.0.2:80"]),
    TopologyCase(name: "internalTrafficPolicy: Local, with empty endpoints", internalLocal: true, endpoints: [], cluster: nil, local: []),
    TopologyCase(
      name: "internalTrafficPolicy: Local, but all endpoints are remote", internalLocal: true,
      endpoints: [E(address: "10.0.0.0:80", ready: true), E(address: "10.0.0.1:80", ready: true)], cluster: nil, local: [],
      onlyRemote: true),
    TopologyCase(
      name: "internalTrafficPolicy: Local, all endpoints are local", internalLocal: true,
      endpoints: [E(address: "10.0.0.0:80", ready: true, local: true), E(address: "10.0.0.1:80", ready: true, local: true)],
      cluster: nil, local: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "internalTrafficPolicy: Local, some endpoints are local", internalLocal: true,
      endpoints: [E(address: "10.0.0.0:80", ready: true, local: true), E(address: "10.0.0.1:80", ready: true)], cluster: nil,
      local: ["10.0.0.0:80"]),
    TopologyCase(
      name: "Cluster traffic policy, endpoints not Ready",
      endpoints: [E(address: "10.0.0.0:80", ready: false), E(address: "10.0.0.1:80", ready: false)], cluster: []),
    TopologyCase(
      name: "Cluster traffic policy, some endpoints are Ready",
      endpoints: [E(address: "10.0.0.0:80", ready: false), E(address: "10.0.0.1:80", ready: true)], cluster: ["10.0.0.1:80"]),
    TopologyCase(
      name: "Cluster traffic policy, all endpoints are terminating",
      endpoints: [
        E(address: "10.0.0.0:80", ready: false, serving: true, terminating: true, local: true),
        E(address: "10.0.0.1:80", ready: false, serving: true, terminating: true),
      ],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "iTP: Local, eTP: Cluster, some endpoints local", internalLocal: true, nodePort: 8080,
      endpoints: [E(address: "10.0.0.0:80", ready: true, local: true), E(address: "10.0.0.1:80", ready: true)],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"], local: ["10.0.0.0:80"], all: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "iTP: Cluster, eTP: Local, some endpoints local", externalLocal: true, nodePort: 8080,
      endpoints: [E(address: "10.0.0.0:80", ready: true, local: true), E(address: "10.0.0.1:80", ready: true)],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"], local: ["10.0.0.0:80"], all: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "iTP: Local, eTP: Local, some endpoints local", externalLocal: true, internalLocal: true, nodePort: 8080,
      endpoints: [E(address: "10.0.0.0:80", ready: true, local: true), E(address: "10.0.0.1:80", ready: true)],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"], local: ["10.0.0.0:80"], all: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "iTP: Local, eTP: Local, all endpoints remote", externalLocal: true, internalLocal: true, nodePort: 8080,
      endpoints: [E(address: "10.0.0.0:80", ready: true), E(address: "10.0.0.1:80", ready: true)],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"], local: [], all: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "iTP: Local, eTP: Local, all endpoints remote and terminating", externalLocal: true, internalLocal: true, nodePort: 8080,
      endpoints: [
        E(address: "10.0.0.0:80", ready: false, serving: true, terminating: true),
        E(address: "10.0.0.1:80", ready: false, serving: true, terminating: true),
      ],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"], local: [], all: ["10.0.0.0:80", "10.0.0.1:80"], onlyRemote: true),
    TopologyCase(
      name: "iTP: Cluster, eTP: Local, with terminating endpoints", externalLocal: true, nodePort: 8080,
      endpoints: [
        E(address: "10.0.0.0:80", ready: true), E(address: "10.0.0.1:80", ready: false, serving: false, local: true),
        E(address: "10.0.0.2:80", ready: false, serving: true, terminating: true, local: true),
        E(address: "10.0.0.3:80", ready: false, serving: true, terminating: true),
      ],
      cluster: ["10.0.0.0:80"], local: ["10.0.0.2:80"], all: ["10.0.0.0:80", "10.0.0.2:80"]),
    TopologyCase(
      name: "externalTrafficPolicy ignored if not externally accessible", externalLocal: true,
      endpoints: [E(address: "10.0.0.0:80", ready: true), E(address: "10.0.0.1:80", ready: true, local: true)],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "no cluster endpoints for iTP:Local internal-only service", internalLocal: true,
      endpoints: [E(address: "10.0.0.0:80", ready: true), E(address: "10.0.0.1:80", ready: true, local: true)], cluster: nil,
      local: ["10.0.0.1:80"]),
    // Beyond kube-proxy's table, from its code: the terminating fallback ignores hints, and a
    // node with no zone label matches only an (API-valid) empty zone hint.
    TopologyCase(
      name: "terminating fallback ignores topology", zone: "zone-a",
      endpoints: [
        E(address: "10.0.0.0:80", zones: ["zone-a"], ready: false, serving: true, terminating: true),
        E(address: "10.0.0.1:80", zones: ["zone-b"], ready: false, serving: true, terminating: true),
      ],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "node hints for this node without zone hints", nodeName: "node-1", zone: "zone-a",
      endpoints: [
        E(address: "10.0.0.0:80", nodes: ["node-1"], ready: true), E(address: "10.0.0.1:80", nodes: ["node-2"], ready: true),
      ],
      cluster: ["10.0.0.0:80"]),
    TopologyCase(
      name: "node hints elsewhere and no zone hints: all endpoints", nodeName: "node-9", zone: "zone-a",
      endpoints: [
        E(address: "10.0.0.0:80", nodes: ["node-1"], ready: true), E(address: "10.0.0.1:80", nodes: ["node-2"], ready: true),
      ],
      cluster: ["10.0.0.0:80", "10.0.0.1:80"]),
    TopologyCase(
      name: "unlabeled node matches an empty zone hint, as kube-proxy",
      endpoints: [E(address: "10.0.0.0:80", zones: [""], ready: true), E(address: "10.0.0.1:80", zones: ["zone-a"], ready: true)],
      cluster: ["10.0.0.0:80"]),
  ]

  static func strings(_ eps: [EndpointInfo]) -> [String] { eps.map { "\($0.ip):\($0.port)" }.sorted() }

  @Test(arguments: cases) func categorizeEndpoints(_ c: TopologyCase) {
    let info = c.info()
    let got = EndpointCategories(info)
    #expect(info.usesClusterEndpoints == (c.cluster != nil), "whether the Cluster policy is used")
    #expect(info.usesLocalEndpoints == (c.local != nil), "whether the Local policy is used")
    #expect(Self.strings(got.cluster) == (c.cluster ?? []).sorted(), "cluster endpoints")
    #expect(Self.strings(got.local) == (c.local ?? []).sorted(), "local endpoints")
    let all = c.cluster != nil && c.local == nil ? c.cluster! : c.local != nil && c.cluster == nil ? c.local! : c.all ?? []
    #expect(Self.strings(got.allReachable) == all.sorted(), "all reachable endpoints")
    #expect(got.hasAnyEndpoints == (!all.isEmpty || c.onlyRemote), "hasAnyEndpoints")
  }

  static let manifests = """
    apiVersion: v1
    kind: Node
    metadata: {name: node-a, labels: {topology.kubernetes.io/zone: zone-a}}
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec:
      clusterIP: 10.96.0.10
      trafficDistribution: PreferSameZone
      ports: [{name: http, port: 80}]
    ---
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata: {name: web-1, namespace: shop, labels: {kubernetes.io/service-name: web}}
    addressType: IPv4
    endpoints:
    - {addresses: [10.244.0.1], nodeName: node-a, zone: zone-a, hints: {forZones: [{name: zone-a}], forNodes: [{name: node-a}]}}
    - {addresses: [10.244.1.2], nodeName: node-b, zone: zone-a, hints: {forZones: [{name: zone-a}], forNodes: [{name: node-b}]}}
    - {addresses: [10.244.2.3], nodeName: node-c, zone: zone-b, hints: {forZones: [{name: zone-b}, {name: zone-c}]}}
    ports: [{name: http, port: 8080}]
    """

  /// Hints and the zone label travel from manifests through NodeSettings and the reconciler.
  @Test func hintsFromManifestsThroughTheReconciler() throws {
    var objects = ObjectSet()
    try ManifestDecoder.decode(Self.manifests, file: "t.yaml", into: &objects)
    #expect(objects.services[0].trafficDistribution == .preferSameZone)
    #expect(objects.endpointSlices[0].endpoints[2].hints == EndpointHints(forZones: ["zone-b", "zone-c"]))
    #expect(objects.nodes[0].zone == "zone-a")

    // node-a: every endpoint has zone hints, not all have node hints → same zone.
    let nodeA = NodeSettings().resolve(config: nil, objects: objects, systemHostname: "node-a")
    #expect(nodeA.zone == "zone-a")
    let portA = Reconciler.reconcile(objects, node: nodeA).servicePorts[0]
    #expect(portA.endpoints[0].hints == TopologyHintMatch(hasZoneHints: true, forThisZone: true, hasNodeHints: true, forThisNode: true))
    #expect(portA.endpoints[2].hints == TopologyHintMatch(hasZoneHints: true, forThisZone: false))
    #expect(Self.strings(EndpointCategories(portA).cluster) == ["10.244.0.1:8080", "10.244.1.2:8080"])

    // A node without a Node object has no zone: no endpoint is hinted for it, all are used.
    let nodeX = NodeSettings().resolve(config: nil, objects: objects, systemHostname: "node-x")
    #expect(nodeX.zone == nil)
    #expect(EndpointCategories(Reconciler.reconcile(objects, node: nodeX).servicePorts[0]).cluster.count == 3)
  }

  /// Every ready endpoint with node hints, one for this node: only it (PreferSameNode).
  @Test func nodeHintsWinOverZoneHints() throws {
    var objects = ObjectSet()
    let text = Self.manifests.replacingOccurrences(
      of: "hints: {forZones: [{name: zone-b}, {name: zone-c}]}", with: "hints: {forZones: [{name: zone-b}], forNodes: [{name: node-c}]}")
    try ManifestDecoder.decode(text, file: "t.yaml", into: &objects)
    let node = NodeSettings().resolve(config: nil, objects: objects, systemHostname: "node-b")
    #expect(Self.strings(EndpointCategories(Reconciler.reconcile(objects, node: node).servicePorts[0]).cluster) == ["10.244.1.2:8080"])
  }

  /// Pods on node-a and node-b (zone-a), node-c (zone-b) and node-x (no Node object), one
  /// unready pod on node-c; the service selects them all (no EndpointSlice).
  static func podObjects(_ distribution: TrafficDistribution?, annotations: [String: String] = [:]) -> ObjectSet {
    var svc = Service(
      meta: ObjectMeta(name: "web", namespace: "shop", annotations: annotations), clusterIPs: [IPAddress("10.96.0.10")!],
      ports: [.init(name: "http", port: 80)], selector: ["app": "web"])
    svc.trafficDistribution = distribution
    let zones = ["node-a": "zone-a", "node-b": "zone-a", "node-c": "zone-b"]
    let nodes = zones.map { Node(meta: ObjectMeta(name: $0.key, labels: [Node.zoneLabel: $0.value])) }
    let placement = [("node-a", 1, true), ("node-b", 2, true), ("node-c", 3, true), ("node-c", 4, false), ("node-x", 5, true)]
    let pods = placement.map { nodeName, last, ready in
      Pod(
        meta: ObjectMeta(name: "web-\(last)", namespace: "shop", labels: ["app": "web"]), nodeName: nodeName,
        podIPs: [IPAddress("10.244.0.\(last)")!], ready: ready)
    }
    return ObjectSet(services: [svc], pods: pods, nodes: nodes)
  }

  @Test(
    arguments: [
      // node-x's pod has no zone (no Node object): not every ready endpoint has a zone hint.
      (TrafficDistribution.preferSameZone, [String: String](), ["10.244.0.1", "10.244.0.2", "10.244.0.3", "10.244.0.5"]),
      (.preferClose, [:], ["10.244.0.1", "10.244.0.2", "10.244.0.3", "10.244.0.5"]),
      (.preferSameNode, [:], ["10.244.0.1"]),
      (nil, [:], ["10.244.0.1", "10.244.0.2", "10.244.0.3", "10.244.0.5"]),
      // topology-mode Auto takes precedence in the controller (proportional hints): no hints here.
      (.preferSameNode, ["service.kubernetes.io/topology-mode": "Auto"], ["10.244.0.1", "10.244.0.2", "10.244.0.3", "10.244.0.5"]),
      (.preferSameNode, ["service.kubernetes.io/topology-mode": "Disabled"], ["10.244.0.1"]),
    ] as [(TrafficDistribution?, [String: String], [String])])
  func podEndpointsGetTheControllersHints(distribution: TrafficDistribution?, annotations: [String: String], expected: [String]) {
    let objects = Self.podObjects(distribution, annotations: annotations)
    let node = NodeSettings().resolve(config: nil, objects: objects, systemHostname: "node-a")
    let port = Reconciler.reconcile(objects, node: node).servicePorts[0]
    #expect(EndpointCategories(port).cluster.map(\.ip.description) == expected)
    #expect(port.endpoints.map(\.zone) == ["zone-a", "zone-a", "zone-b", "zone-b", nil])
  }

  /// Without the pod on an unknown node, every ready endpoint has a zone hint: same zone.
  @Test func podEndpointsPreferSameZone() {
    var objects = Self.podObjects(.preferSameZone)
    objects.pods.removeAll { $0.nodeName == "node-x" }
    let node = NodeSettings().resolve(config: nil, objects: objects, systemHostname: "node-a")
    let port = Reconciler.reconcile(objects, node: node).servicePorts[0]
    #expect(EndpointCategories(port).cluster.map(\.ip.description) == ["10.244.0.1", "10.244.0.2"])
    // The unready pod gets no hint (the controller hints ready endpoints only).
    #expect(port.endpoints[3].hints == TopologyHintMatch())
  }
}

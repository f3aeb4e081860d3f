// The change tracker: which services each kind of object change affects, node-level changes,
// no-op updates yielding nothing, and what a drain hands out (full, changed, removed, latency).
import KubeAPI
import NetAddress
import Testing

@testable import ServiceProxy

private func pod(_ name: String, _ ipText: String, labels: [String: String], ns: String = "default") -> Pod {
  Pod(meta: ObjectMeta(name: name, namespace: ns, labels: labels), nodeName: "node-b", podIPs: [ip(ipText)], containerPorts: [])
}

private func zoned(_ name: String, zone: String?, ip ipText: String) -> Node {
  Node(meta: ObjectMeta(name: name, labels: zone.map { [Node.zoneLabel: $0] } ?? [:]), internalIPs: [ip(ipText)])
}

private func change(_ old: KubeObject?, _ new: KubeObject?) -> ObjectChange {
  let object = (new ?? old)!
  return ObjectChange(kind: object.kind, key: object.meta.key, old: old, new: new)
}

/// web: selector app=web, endpoints from pods; api: from its slice; db: selector app=db but has a slice.
private let base = ObjectSet(
  services: [
    service("web", ips: ["10.96.0.1"], selector: ["app": "web"]), service("api", ips: ["10.96.0.2"]),
    service("db", ips: ["10.96.0.3"], selector: ["app": "db"]),
  ],
  endpointSlices: [
    slice("api-1", svc: "api", endpoints: [.init(addresses: [ip("10.0.1.1")])]),
    slice("db-1", svc: "db", endpoints: [.init(addresses: [ip("10.0.2.1")])]),
  ],
  pods: [pod("w1", "10.0.0.1", labels: ["app": "web"]), pod("d1", "10.0.0.2", labels: ["app": "db"])],
  nodes: [zoned("node-a", zone: "z1", ip: "192.168.1.10"), zoned("node-b", zone: "z2", ip: "192.168.1.11")])

private func trackerWithBase() -> ServiceChangeTracker {
  var tracker = ServiceChangeTracker(hostname: "node-a")
  for object in base.services.map(KubeObject.service) + base.endpointSlices.map(KubeObject.endpointSlice) + base.pods.map(KubeObject.pod)
    + base.nodes.map(KubeObject.node)
  {
    tracker.record(change(nil, object))
  }
  _ = tracker.drain(node: node)
  return tracker
}

struct AffectCase: CustomTestStringConvertible, Sendable {
  var name: String
  var change: ObjectChange
  var services: [String] = []
  var nodeLevel = false
  var testDescription: String { name }
}

private let affectCases: [AffectCase] = {
  let web = base.services[0]
  var webPort = web
  webPort.ports = [.init(name: "http", port: 81)]
  let api1 = base.endpointSlices[0]
  var api1More = api1
  api1More.endpoints.append(.init(addresses: [ip("10.0.1.2")]))
  var api1ToDB = api1
  api1ToDB.meta.labels[EndpointSlice.serviceNameLabel] = "db"
  let w1 = base.pods[0]
  var w1Moved = w1
  w1Moved.podIPs = [ip("10.0.0.9")]
  var w1Relabeled = w1
  w1Relabeled.meta.labels = ["app": "db"]
  var d1Moved = base.pods[1]
  d1Moved.podIPs = [ip("10.0.0.8")]
  let nodeA = base.nodes[0]
  let nodeB = base.nodes[1]
  return [
    AffectCase(name: "service port changed", change: change(.service(web), .service(webPort)), services: ["web"]),
    AffectCase(name: "service deleted", change: change(.service(web), nil), services: ["web"]),
    AffectCase(name: "slice endpoints changed", change: change(.endpointSlice(api1), .endpointSlice(api1More)), services: ["api"]),
    AffectCase(
      name: "slice moved to another service", change: change(.endpointSlice(api1), .endpointSlice(api1ToDB)), services: ["api", "db"]),
    AffectCase(name: "slice deleted", change: change(.endpointSlice(api1), nil), services: ["api"]),
    AffectCase(name: "selected pod changed", change: change(.pod(w1), .pod(w1Moved)), services: ["web"]),
    AffectCase(
      name: "pod relabeled away (new labels match a service with slices)", change: change(.pod(w1), .pod(w1Relabeled)), services: ["web"]),
    AffectCase(
      name: "pod relabeled in",
      change: change(.pod(pod("x", "10.0.0.5", labels: ["app": "other"])), .pod(pod("x", "10.0.0.5", labels: ["app": "web"]))),
      services: ["web"]),
    AffectCase(name: "new selected pod", change: change(nil, .pod(pod("w2", "10.0.0.3", labels: ["app": "web"]))), services: ["web"]),
    AffectCase(name: "pod of a service that has slices", change: change(.pod(base.pods[1]), .pod(d1Moved))),
    AffectCase(name: "pod in another namespace", change: change(nil, .pod(pod("w9", "10.0.0.4", labels: ["app": "web"], ns: "other")))),
    AffectCase(name: "pod matching nothing", change: change(nil, .pod(pod("z", "10.0.0.6", labels: ["app": "none"])))),
    AffectCase(
      name: "other node's zone changed", change: change(.node(nodeB), .node(zoned("node-b", zone: "z3", ip: "192.168.1.11"))),
      nodeLevel: true),
    AffectCase(name: "other node's IP changed", change: change(.node(nodeB), .node(zoned("node-b", zone: "z2", ip: "192.168.1.99")))),
    AffectCase(
      name: "this node's IP changed", change: change(.node(nodeA), .node(zoned("node-a", zone: "z1", ip: "192.168.1.99"))), nodeLevel: true),
    AffectCase(name: "new node without zone", change: change(nil, .node(zoned("node-c", zone: nil, ip: "192.168.1.12")))),
    AffectCase(
      name: "service CIDR added",
      change: change(nil, .serviceCIDR(ServiceCIDR(meta: ObjectMeta(name: "c"), cidrs: [IPPrefix("10.96.0.0/16")!]))),
      nodeLevel: true),
    AffectCase(name: "no-op update", change: change(.service(web), .service(web))),
  ]
}()

@Suite struct ServiceChangeTrackerTests {
  @Test(arguments: affectCases) func changeAffects(_ c: AffectCase) {
    var tracker = trackerWithBase()
    tracker.record(c.change)
    #expect(tracker.pendingServices.map(\.name) == c.services)
    #expect(tracker.hasNodeLevelChange == c.nodeLevel)
  }

  @Test func firstDrainIsFullThenOnlyChangesThenNodeChangeIsFull() {
    var tracker = ServiceChangeTracker(hostname: "node-a")
    #expect(tracker.hasPendingChanges)
    let first = tracker.drain(node: node)
    #expect(first.full == ProxyState(servicePorts: []))
    #expect(!tracker.hasPendingChanges)
    #expect(tracker.drain(node: node).isEmpty)

    let start = ContinuousClock.now
    let web = service("web", ips: ["10.96.0.1"])
    tracker.record(change(nil, .service(web)), at: start)
    tracker.record(change(nil, .service(service("x", ips: []))), at: start + .seconds(1))
    let added = tracker.drain(node: node)
    #expect(added.full == nil)
    #expect(added.changed.map(\.name.service.name) == ["web"])
    #expect(added.removed.isEmpty)
    #expect(added.oldestChange == start)
    #expect(added.warnings.count == 1 && added.warnings[0].hasPrefix("service default/x has no spec.clusterIP"))

    // An annotation-only change reaches the tracker but changes no port: nothing to hand out.
    var annotated = web
    annotated.meta.annotations = ["note": "x"]
    tracker.record(change(.service(web), .service(annotated)))
    let noop = tracker.drain(node: node)
    #expect(noop.isEmpty)
    #expect(noop.oldestChange == nil)

    tracker.record(change(.service(annotated), nil))
    tracker.record(change(.service(service("x", ips: [])), nil))
    let removed = tracker.drain(node: node)
    #expect(removed.removed.map(\.name.service.name) == ["web"])
    #expect(removed.warnings.isEmpty)

    tracker.record(change(nil, .service(web)))
    var moved = node
    moved.nodeIPs = [ip("192.168.1.77")]
    let full = tracker.drain(node: moved)
    #expect(full.full?.servicePorts.map(\.name.service.name) == ["web"])
    #expect(full.changed.isEmpty && full.removed.isEmpty)
  }

  @Test func eachChangedOrRemovedPortCarriesWhenItsChangeWasSeen() {
    var tracker = ServiceChangeTracker(hostname: "node-a")
    _ = tracker.drain(node: node)
    let start = ContinuousClock.now
    // 100 services, one seen per millisecond; then one of them deleted, another given two ports.
    for i in 0..<100 {
      tracker.record(change(nil, .service(service("s\(i)", ips: ["10.96.1.\(i + 1)"]))), at: start + .milliseconds(i))
    }
    let added = tracker.drain(node: node)
    #expect(added.changed.count == 100)
    #expect(added.changeTimes.count == 100)
    #expect(Set(added.changeTimes.map(\.seen)) == Set((0..<100).map { start + .milliseconds($0) }))
    #expect(added.changeTimes.allSatisfy { $0.family == .v4 })
    #expect(added.oldestChange == start)

    let later = start + .seconds(5)
    tracker.record(change(.service(service("s0", ips: ["10.96.1.1"])), nil), at: later)
    let removed = tracker.drain(node: node)
    #expect(removed.removed.count == 1)
    #expect(removed.changeTimes == [ChangeTime(family: .v4, seen: later)])

    // A node-level change: the full state, one time per family for the node.
    tracker.record(change(nil, .node(zoned("node-a", zone: "z9", ip: "192.168.1.10"))), at: later)
    let full = tracker.drain(node: node)
    #expect(full.full != nil)
    #expect(full.changeTimes.sorted { $0.family < $1.family } == IPFamily.allCases.map { ChangeTime(family: $0, seen: later) })
  }

  @Test func resolvesNodeFromTheIndexAsFromTheObjects() {
    var tracker = trackerWithBase()
    tracker.record(change(nil, .serviceCIDR(ServiceCIDR(meta: ObjectMeta(name: "b"), cidrs: [IPPrefix("10.97.0.0/16")!]))))
    tracker.record(change(nil, .serviceCIDR(ServiceCIDR(meta: ObjectMeta(name: "a"), cidrs: [IPPrefix("10.96.0.0/16")!]))))
    let settings = NodeSettings(serviceCIDRs: [IPPrefix("fd00::/108")!])
    let fromIndex = settings.resolve(config: nil, index: tracker.index, systemHostname: "Node-A")
    var objects = base
    objects.serviceCIDRs = tracker.index.sortedServiceCIDRs
    #expect(fromIndex == settings.resolve(config: nil, objects: objects, systemHostname: "Node-A"))
    #expect(fromIndex.zone == "z1")
    #expect(fromIndex.nodeIPs == [ip("192.168.1.10")])
    #expect(fromIndex.serviceCIDRs.map(\.description) == ["fd00::/108", "10.96.0.0/16", "10.97.0.0/16"])
  }
}

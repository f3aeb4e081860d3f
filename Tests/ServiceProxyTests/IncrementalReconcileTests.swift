// Seeded random sequences of object changes through the change tracker: after every drain, the
// previous state with `changed`/`removed` applied equals a full reconcile of the objects.
import KubeAPI
import NetAddress
import TestSupport
import Testing

@testable import ServiceProxy

/// Random objects from a small universe, so that names, labels, IPs and ports collide often.
private struct ObjectFactory {
  var rng: SeededRandom
  let namespaces = ["default", "other"]
  let nodeNames = ["node-a", "node-b", "node-c"]

  mutating func pick<T>(_ xs: [T]) -> T { xs[Int.random(in: 0..<xs.count, using: &rng)] }
  mutating func chance(_ percent: Int) -> Bool { Int.random(in: 0..<100, using: &rng) < percent }
  mutating func labels() -> [String: String] { pick([["app": "a"], ["app": "b"], ["app": "a", "tier": "x"], [:]]) }

  mutating func service() -> Service {
    let ns = pick(namespaces)
    var ports: [KubeAPI.ServicePort] = [
      .init(name: "http", port: pick([80, 8000]), targetPort: pick([nil, .int(8080), .string("http")]), nodePort: 30080)
    ]
    if chance(40) { ports.append(.init(name: "dns", protocol_: .udp, port: 53, targetPort: .string("dns"), nodePort: 30053)) }
    let n = Int.random(in: 1...250, using: &rng)
    var ips = [ip("10.96.0.\(n)")]
    if chance(25) { ips.append(ip("fd00::\(n)")) }
    if chance(10) { ips = [] }
    var svc = Service(
      meta: ObjectMeta(name: pick(["s0", "s1", "s2", "s3"]), namespace: ns), type: pick([.clusterIP, .nodePort, .loadBalancer]),
      clusterIPs: ips, isHeadless: chance(5), ports: ports, selector: pick([nil, ["app": "a"], ["app": "b"], ["tier": "x"]]),
      externalIPs: chance(20) ? [ip("203.0.113.\(n)")] : [], sessionAffinity: chance(20) ? .clientIP : .none,
      externalTrafficPolicy: pick([.cluster, .local]), internalTrafficPolicy: pick([.cluster, .local]))
    if chance(30) { svc.trafficDistribution = pick(TrafficDistribution.allCases) }
    if chance(10) { svc.meta.annotations = ["service.kubernetes.io/topology-mode": "Auto"] }
    if chance(10) { svc.meta.annotations["irrelevant"] = "\(n)" }
    return svc
  }

  mutating func endpointSlice() -> EndpointSlice {
    let v6 = chance(15)
    let endpoints = (0..<Int.random(in: 0...3, using: &rng)).map { _ in
      let host = Int.random(in: 1...6, using: &rng)
      return SliceEndpoint(
        addresses: [ip(v6 ? "fd01::\(host)" : "10.0.0.\(host)")],
        conditions: EndpointConditions(ready: pick([nil, true, false]), terminating: pick([nil, false, true])),
        nodeName: pick([nil] + nodeNames.map { Optional($0) }), zone: pick([nil, "z1", "z2"]),
        hints: EndpointHints(forZones: pick([[], ["z1"], ["z2"]])))
    }
    var ports = [EndpointPort(name: "http", port: pick([8080, 9090]))]
    if chance(40) { ports.append(EndpointPort(name: "dns", protocol_: .udp, port: 53)) }
    return EndpointSlice(
      meta: ObjectMeta(
        name: pick(["e0", "e1", "e2", "e3"]), namespace: pick(namespaces),
        labels: chance(90) ? [EndpointSlice.serviceNameLabel: pick(["s0", "s1", "s2", "s3"])] : [:]),
      addressType: v6 ? .ipv6 : .ipv4, endpoints: endpoints, ports: ports)
  }

  mutating func pod() -> Pod {
    let host = Int.random(in: 1...6, using: &rng)
    var ips = [ip("10.0.0.\(host)")]
    if chance(25) { ips.append(ip("fd01::\(host)")) }
    var ports = [ContainerPort(name: "http", containerPort: pick([8080, 9090]))]
    if chance(40) { ports.append(ContainerPort(name: "dns", containerPort: 5353, protocol_: .udp)) }
    return Pod(
      meta: ObjectMeta(
        name: pick(["p0", "p1", "p2", "p3", "p4", "p5"]), namespace: pick(namespaces), labels: labels(),
        deletionTimestamp: chance(10) ? "2026-01-01T00:00:00Z" : nil),
      nodeName: pick(nodeNames), podIPs: ips, phase: pick([.running, .running, .running, .failed]), ready: chance(80),
      containerPorts: ports)
  }

  mutating func node() -> Node {
    let name = pick(nodeNames)
    var labels = [String: String]()
    if let zone = pick([nil, "z1", "z2"]) { labels[Node.zoneLabel] = zone }
    if chance(30) { labels["irrelevant"] = "x" }
    return Node(meta: ObjectMeta(name: name, labels: labels), internalIPs: [ip("192.168.1.\(Int.random(in: 1...3, using: &rng))")])
  }

  mutating func serviceCIDR() -> ServiceCIDR {
    ServiceCIDR(meta: ObjectMeta(name: pick(["c0", "c1"])), cidrs: [IPPrefix(pick(["10.96.0.0/16", "10.97.0.0/16", "fd00::/108"]))!])
  }

  mutating func object() -> KubeObject {
    switch Int.random(in: 0..<100, using: &rng) {
    case 0..<25: .service(service())
    case 25..<50: .endpointSlice(endpointSlice())
    case 50..<80: .pod(pod())
    case 80..<92: .node(node())
    default: .serviceCIDR(serviceCIDR())
    }
  }
}

private struct Identity: Hashable, Comparable {
  var kind: String
  var key: NamespacedName
  static func < (a: Self, b: Self) -> Bool { (a.kind, a.key) < (b.kind, b.key) }
}

@Suite struct IncrementalReconcileTests {
  @Test(arguments: 1...16) func randomChangesMatchFullReconcile(seed: UInt64) {
    var factory = ObjectFactory(rng: SeededRandom(seed: seed))
    let settings = NodeSettings()
    var objects: [Identity: KubeObject] = [:]
    var tracker = ServiceChangeTracker(hostname: "node-a")
    var handedOut: [ServicePortKey: ServicePortInfo] = [:]
    var lastNode: NodeConfig?
    for step in 0..<60 {
      var nodeLevel = false
      for _ in 0..<Int.random(in: 1...4, using: &factory.rng) {
        let change: ObjectChange
        if !objects.isEmpty, factory.chance(25) {
          let identity = factory.pick(objects.keys.sorted())
          change = ObjectChange(kind: identity.kind, key: identity.key, old: objects[identity], new: nil)
          objects[identity] = nil
        } else {
          let object = factory.object()
          let identity = Identity(kind: object.kind, key: object.meta.key)
          change = ObjectChange(kind: identity.kind, key: identity.key, old: objects[identity], new: object)
          objects[identity] = object
        }
        switch change.new ?? change.old {
        case .node(let n):
          let zones = [change.old, change.new].map { o -> String? in if case .node(let n) = o { n.zone } else { nil } }
          if n.meta.name == "node-a" || zones[0] != zones[1] { nodeLevel = nodeLevel || change.old != change.new }
        case .serviceCIDR: nodeLevel = nodeLevel || change.old != change.new
        default: break
        }
        tracker.record(change)
      }
      var set = ObjectSet()
      for identity in objects.keys.sorted() { set.append(objects[identity]!) }
      let node = settings.resolve(config: nil, objects: set, systemHostname: "node-a")
      #expect(settings.resolve(config: nil, index: tracker.index, systemHostname: "node-a") == node, "seed \(seed) step \(step)")
      let expected = Reconciler.reconcile(set, node: node)
      let changes = tracker.drain(node: node)
      #expect(changes.warnings == expected.warnings, "seed \(seed) step \(step)")
      let mustBeFull = lastNode == nil || lastNode != node || nodeLevel
      #expect((changes.full != nil) == mustBeFull, "seed \(seed) step \(step): full")
      if let full = changes.full {
        #expect(full == expected, "seed \(seed) step \(step): full state")
        #expect(changes.changed.isEmpty && changes.removed.isEmpty, "seed \(seed) step \(step)")
        handedOut = Dictionary(uniqueKeysWithValues: full.servicePorts.map { (ServicePortKey(family: $0.family, name: $0.name), $0) })
      } else {
        for info in changes.changed {
          let key = ServicePortKey(family: info.family, name: info.name)
          #expect(handedOut[key] != info, "seed \(seed) step \(step): \(key) handed out unchanged")
          handedOut[key] = info
        }
        for key in changes.removed {
          #expect(handedOut.removeValue(forKey: key) != nil, "seed \(seed) step \(step): \(key) removed but absent")
        }
        let want = Dictionary(uniqueKeysWithValues: expected.servicePorts.map { (ServicePortKey(family: $0.family, name: $0.name), $0) })
        let differing = Set(handedOut.keys).union(want.keys).filter { handedOut[$0] != want[$0] }.sorted()
        #expect(differing.isEmpty, "seed \(seed) step \(step): incremental state differs from a full reconcile at \(differing)")
      }
      lastNode = node
    }
  }
}

// Seeded random reconciler states for the sync loop's tests: service ports with endpoints,
// affinity, traffic policies, node ports, and destinations several ports contest.
import KubeAPI
import NetAddress
import ServiceProxy
import TestSupport

enum ProxyStateGenerator {
  static let nodes = [
    NodeConfig(hostname: "node-a", nodeIPs: [IPAddress("192.168.1.10")!], clusterCIDRs: [IPPrefix("10.244.0.0/16")!]),
    NodeConfig(
      hostname: "node-a", nodeIPs: [IPAddress("192.168.1.11")!, IPAddress("fd00:1::10")!],
      clusterCIDRs: [IPPrefix("10.244.0.0/16")!, IPPrefix("fd00:10:244::/56")!], serviceCIDRs: [IPPrefix("10.96.0.0/16")!]),
    NodeConfig(hostname: "node-b", nodeIPs: [IPAddress("192.168.1.10")!], masqueradeAll: true),
  ]

  /// A random service port `i` (names from a small pool, so that updates hit existing ones).
  static func port(_ i: Int, family: IPFamily, _ rng: inout SeededRandom) -> ServicePortInfo {
    let v6 = family == .v6
    func ip(_ s: String) -> IPAddress { IPAddress(s)! }
    let proto: L4Protocol = rng.chance(0.2) ? .udp : .tcp
    let name = ServicePortName(service: NamespacedName(namespace: "ns\(i % 3)", name: "svc\(i)"), port: "p", protocol_: proto)
    // Contested: a few ports share a clusterIP pool entry, externalIPs, LB IPs and node ports.
    let clusterIP = v6 ? ip("fd00:96::\(rng.chance(0.1) ? 1 : i + 1)") : ip("10.96.0.\(rng.chance(0.1) ? 1 : i + 1)")
    let externalPool = v6 ? [ip("2001:db8::10"), ip("2001:db8::11")] : [ip("192.0.2.10"), ip("192.0.2.11"), ip("10.96.0.2")]
    let lbPool = v6 ? [ip("2001:db8:1::1")] : [ip("198.51.100.1"), ip("198.51.100.2")]
    var svc = ServicePortInfo(
      name: name, family: family, clusterIP: clusterIP, port: rng.chance(0.8) ? 80 : 443,
      nodePort: rng.chance(0.4) ? 30000 + Int.random(in: 0..<4, using: &rng) : 0,
      externalIPs: rng.chance(0.3) ? [externalPool.randomElement(using: &rng)!] : [],
      loadBalancerIPs: rng.chance(0.2) ? [lbPool.randomElement(using: &rng)!] : [],
      affinityTimeoutSeconds: rng.chance(0.25) ? (rng.chance(0.5) ? 10800 : 60) : nil,
      externalTrafficPolicy: rng.chance(0.3) ? .local : .cluster, internalTrafficPolicy: rng.chance(0.15) ? .local : .cluster)
    if !svc.loadBalancerIPs.isEmpty && rng.chance(0.5) {
      svc.loadBalancerSourceRanges = [IPPrefix(v6 ? "2001:db8:9::/48" : "203.0.113.0/24")!]
    }
    let count = rng.chance(0.15) ? 0 : Int.random(in: 1...11, using: &rng)
    var endpoints = Set<EndpointInfo>()
    for _ in 0..<count {
      let host = Int.random(in: 1...40, using: &rng)
      let local = rng.chance(0.3)
      endpoints.insert(
        EndpointInfo(
          ip: v6 ? ip("fd00:10:244::\(host)") : ip("10.244.\(local ? 0 : 1).\(host)"), port: 8080, isLocal: local, ready: rng.chance(0.9),
          serving: true, terminating: false, nodeName: local ? "node-a" : "node-z"))
    }
    svc.endpoints = endpoints.sorted()
    return svc
  }

  static func key(_ svc: ServicePortInfo) -> ServicePortKey { ServicePortKey(family: svc.family, name: svc.name) }

  /// A new state from `old`: a few ports added, changed or removed; the changes between them.
  static func step(_ old: [ServicePortKey: ServicePortInfo], _ rng: inout SeededRandom) -> (
    new: [ServicePortKey: ServicePortInfo], changed: [ServicePortInfo], removed: [ServicePortKey]
  ) {
    var new = old
    for _ in 0..<Int.random(in: 1...4, using: &rng) {
      let family: IPFamily = rng.chance(0.15) ? .v6 : .v4
      let i = Int.random(in: 0..<14, using: &rng)
      let svc = port(i, family: family, &rng)
      if rng.chance(0.2) {
        new = new.filter { $0.key.name.service != svc.name.service || $0.key.family != family }
      } else if rng.chance(0.5), let existing = new.first(where: { $0.key.name.service == svc.name.service })?.value {
        // Only the endpoints change (the common case).
        var e = existing
        e.endpoints = port(i, family: existing.family, &rng).endpoints
        new[key(e)] = e
      } else {
        new = new.filter { $0.key.name.service != svc.name.service || $0.key.family != family }
        new[key(svc)] = svc
      }
    }
    let changed = new.values.filter { old[key($0)] != $0 }.sorted { key($0) < key($1) }
    let removed = old.keys.filter { new[$0] == nil }.sorted()
    return (new, changed, removed)
  }

  static func state(_ ports: [ServicePortKey: ServicePortInfo]) -> ProxyState {
    ProxyState(servicePorts: ports.keys.sorted().map { ports[$0]! })
  }
}

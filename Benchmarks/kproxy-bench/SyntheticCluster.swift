// Generates synthetic clusters for benchmarks: N ClusterIP services with E ready endpoints
// each (one EndpointSlice per service), every tenth a NodePort, deterministic. With `spread`,
// every service but the middle one has 1 to E-1 endpoints instead (E-1 endpoint counts in use
// besides E: the worst case for the per-count pickers when probing the middle service).
import KubeAPI
import NetAddress

enum SyntheticCluster {
  static func objects(services: Int, endpoints: Int, spread: Bool = false, seed: Int = 0) -> ObjectSet {
    var set = ObjectSet()
    set.services.reserveCapacity(services)
    set.endpointSlices.reserveCapacity(services)
    for s in 0..<services {
      let ns = "ns\(s % 100)"
      let name = "svc\(s)"
      let clusterIP = IPAddress.v4(IPv4Address(0xAC10_0000 + UInt32(s)))  // 172.16.0.0/12
      var svc = Service(
        meta: ObjectMeta(name: name, namespace: ns), type: s % 10 == 0 ? .nodePort : .clusterIP,
        clusterIPs: [clusterIP],
        ports: [
          ServicePort(name: "http", protocol_: .tcp, port: 80, targetPort: .int(8080), nodePort: s % 10 == 0 ? 30000 + (s / 10) % 2768 : 0)
        ],
        selector: ["app": name])
      if s % 10 == 0 && s / 10 >= 2768 { svc.type = .clusterIP; svc.ports[0].nodePort = 0 }
      set.services.append(svc)
      var eps: [SliceEndpoint] = []
      let count = spread && s != services / 2 && endpoints > 1 ? 1 + s % (endpoints - 1) : endpoints
      for e in 0..<count {
        let ip = IPAddress.v4(IPv4Address(0x0A00_0000 + UInt32(s * endpoints + e + seed)))  // 10.0.0.0/8
        eps.append(SliceEndpoint(addresses: [ip], conditions: EndpointConditions(ready: true), nodeName: "node\(e % 50)"))
      }
      set.endpointSlices.append(
        EndpointSlice(
          meta: ObjectMeta(name: "\(name)-abcde", namespace: ns, labels: [EndpointSlice.serviceNameLabel: name]),
          addressType: .ipv4, endpoints: eps,
          ports: [EndpointPort(name: "http", protocol_: .tcp, port: 8080)]))
    }
    return set
  }

  /// One more service outside the generated ranges: ClusterIP 172.31.0.1 (or a UDP NodePort
  /// 30000 besides, which no generated service uses; or ClientIP affinity), 10 endpoints in
  /// 11.1.0.0/24.
  static func extra(nodePort: Bool, affinity: Bool = false) -> (Service, EndpointSlice) {
    let name = nodePort ? "added-nodeport" : affinity ? "added-affinity" : "added"
    var svc = Service(
      meta: ObjectMeta(name: name, namespace: "ns0"), type: nodePort ? .nodePort : .clusterIP,
      clusterIPs: [.v4(IPv4Address(nodePort ? 0xAC1F_0002 : affinity ? 0xAC1F_0003 : 0xAC1F_0001))],
      ports: [ServicePort(name: "dns", protocol_: .udp, port: 53, targetPort: .int(5353), nodePort: nodePort ? 30000 : 0)],
      selector: ["app": name])
    if affinity { svc.sessionAffinity = .clientIP }
    let eps = (0..<10).map { e in
      SliceEndpoint(
        addresses: [.v4(IPv4Address(0x0B01_0000 + UInt32(nodePort ? 0x100 : affinity ? 0x200 : 0) + UInt32(e)))],
        conditions: EndpointConditions(ready: true),
        nodeName: "node\(e)")
    }
    let slice = EndpointSlice(
      meta: ObjectMeta(name: "\(name)-abcde", namespace: "ns0", labels: [EndpointSlice.serviceNameLabel: name]),
      addressType: .ipv4, endpoints: eps, ports: [EndpointPort(name: "dns", protocol_: .udp, port: 5353)])
    return (svc, slice)
  }
}

// Input that kube-proxy reads with a particular meaning, checked through the reconciler: LB IPs
// with `ipMode: Proxy` get no DNAT (KEP-1860), IPv4-mapped IPv6 addresses are IPv4.
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

@Suite struct InputConformanceTests {
  static func decode(_ text: String) throws -> ObjectSet {
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "t.yaml", into: &set)
    return set
  }

  @Test func proxyModeLoadBalancerIPsAreNotDNATed() throws {
    let objects = try Self.decode(
      """
      apiVersion: v1
      kind: Service
      metadata: {name: lb}
      spec:
        type: LoadBalancer
        clusterIP: 10.96.0.10
        ports: [{port: 80, nodePort: 30080}]
      status:
        loadBalancer:
          ingress:
          - {ip: 198.51.100.1, ipMode: Proxy}
          - {ip: 198.51.100.2, ipMode: VIP}
          - {ip: 198.51.100.3}
          - {ip: "2001:db8::1", ipMode: Proxy}
      """)
    let ports = Reconciler.reconcile(objects, node: node).servicePorts
    #expect(ports.map(\.loadBalancerIPs) == [[ip("198.51.100.2"), ip("198.51.100.3")]])
  }

  @Test func ipv4MappedServiceLandsInIPv4() throws {
    let objects = try Self.decode(
      """
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        clusterIP: "::ffff:10.96.0.10"
        externalIPs: ["::ffff:192.0.2.1"]
        ports: [{port: 80}]
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata:
        name: web-1
        labels: {kubernetes.io/service-name: web}
      addressType: IPv4
      endpoints: [{addresses: ["::ffff:10.0.0.1"]}]
      ports: [{port: 8080}]
      """)
    let state = Reconciler.reconcile(objects, node: node)
    #expect(state.servicePorts(.v6).isEmpty)
    let v4 = state.servicePorts(.v4)
    #expect(v4.map(\.clusterIP) == [ip("10.96.0.10")])
    #expect(v4.map(\.externalIPs) == [[ip("192.0.2.1")]])
    #expect(v4.flatMap { $0.endpoints.map(\.ip) } == [ip("10.0.0.1")])
  }
}

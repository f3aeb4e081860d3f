// IP address forms in manifests: IPv6 spellings are accepted and normalised; IPv4 leading zeros
// (decimal) and IPv4-mapped IPv6 are read as kube-proxy reads the legacy IP fields; other sloppy
// forms are rejected, as the Kubernetes API server does.
import KubeAPI
import NetAddress
import Testing

@Suite struct IPFormTests {
  static func service(clusterIP: String) -> String {
    "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  clusterIP: \"\(clusterIP)\"\n  ports: [{port: 80}]\n"
  }

  @Test(arguments: [
    ("fd00::1", "fd00::1"),
    ("FD00:0:0:0:0:0:0:1", "fd00::1"),
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
    ("::1", "::1"),
    ("::ffff:10.0.0.1", "10.0.0.1"),
    ("::FFFF:0a00:0001", "10.0.0.1"),
    ("2001:0db8::0001", "2001:db8::1"),
    ("10.96.0.1", "10.96.0.1"),
    // Accepted by API servers before strict IP validation, kept by its ratcheting; kube-proxy's
    // ParseIPSloppy reads leading zeros as decimal.
    ("010.0.0.1", "10.0.0.1"), ("10.0.0.01", "10.0.0.1"), ("10.00.0.1", "10.0.0.1"),
    ("0.0.0.0", "0.0.0.0"),
  ])
  func accepted(text: String, canonical: String) throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(Self.service(clusterIP: text), file: "ip.yaml", into: &set)
    #expect(set.services.first?.clusterIPs.map(\.description) == [canonical])
  }

  @Test(arguments: [
    "10.0.0", "10.0.0.1.2", "10.0.0.0256", "1.2.3.-4", "0x0a.0.0.1", " 10.0.0.1",
    "fd00::1::2", "fd00:::1", "fe80::1%eth0", "12345::1", "fd00::g", "[fd00::1]", "10.0.0.1/32",
  ])
  func rejected(text: String) {
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(Self.service(clusterIP: text), file: "ip.yaml", into: &set)
    } throws: { error in
      (error as? ManifestError)?.description
        == "ip.yaml doc 1 (default/web): spec.clusterIP: \(text.debugDescription) is not a valid IP address"
    }
  }

  @Test func ipv6EndpointSliceAndSourceRanges() throws {
    let text = """
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-v6}
      addressType: IPv6
      endpoints: [{addresses: ["2001:DB8::A"]}, {addresses: ["::ffff:0:c000:201"]}]
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        ports: [{port: 80}]
        loadBalancerSourceRanges: ["2001:db8::1/64", 192.0.2.77/32]
      """
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "v6.yaml", into: &set)
    #expect(set.endpointSlices.first?.endpoints.flatMap(\.addresses).map(\.description) == ["2001:db8::a", "::ffff:0:c000:201"])
    #expect(set.services.first?.loadBalancerSourceRanges.map(\.description) == ["2001:db8::/64", "192.0.2.77/32"])
  }

  @Test func fqdnSlicesKeepNoEndpoints() throws {
    let text =
      "apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: f}\naddressType: FQDN\nendpoints: [{addresses: [db.example.com]}]\nports: [{port: 5432}]\n"
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "f.yaml", into: &set)
    #expect(set.endpointSlices.first?.endpoints == [])
    #expect(set.endpointSlices.first?.ports == [EndpointPort(port: 5432)])
  }

  /// kube-proxy reads `::ffff:a.b.c.d` as the IPv4 address a.b.c.d (Go's net.ParseIP + To4), in
  /// every field that holds an address or a CIDR; a mapped CIDR `/N` (N >= 96) is IPv4 `/N-96`.
  @Test func ipv4MappedAddressesAreIPv4() throws {
    let text = """
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        type: LoadBalancer
        clusterIPs: ["::ffff:10.96.0.10", "fd00::10"]
        ports: [{port: 80}]
        externalIPs: ["::ffff:192.0.2.10"]
        loadBalancerSourceRanges: ["::ffff:203.0.113.0/120", " ::ffff:198.51.100.7/128 "]
      status:
        loadBalancer:
          ingress: [{ip: "::ffff:198.51.100.1"}]
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-v4}
      addressType: IPv4
      endpoints: [{addresses: ["::ffff:10.0.0.1"]}]
      ---
      apiVersion: v1
      kind: Node
      metadata: {name: n1}
      status:
        addresses: [{type: InternalIP, address: "::ffff:192.168.1.10"}]
      ---
      apiVersion: networking.k8s.io/v1
      kind: ServiceCIDR
      metadata: {name: c}
      spec: {cidrs: ["::ffff:10.96.0.0/112"]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      status: {podIP: "::ffff:10.0.0.7"}
      """
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "mapped.yaml", into: &set)
    let service = try #require(set.services.first)
    #expect(service.clusterIPs.map(\.description) == ["10.96.0.10", "fd00::10"])
    #expect(service.clusterIPs.map(\.family) == [.v4, .v6])
    #expect(service.externalIPs.map(\.description) == ["192.0.2.10"])
    #expect(service.loadBalancerSourceRanges.map(\.description) == ["203.0.113.0/24", "198.51.100.7/32"])
    #expect(service.loadBalancerIngressIPs.map(\.description) == ["198.51.100.1"])
    #expect(set.endpointSlices.first?.endpoints.flatMap(\.addresses) == [IPAddress("10.0.0.1")!])
    #expect(set.nodes.first?.internalIPs == [IPAddress("192.168.1.10")!])
    #expect(set.serviceCIDRs.first?.cidrs.map(\.description) == ["10.96.0.0/16"])
    #expect(set.pods.first?.podIPs == [IPAddress("10.0.0.7")!])
  }

  /// The API server trims loadBalancerSourceRanges entries before validating them, and kube-proxy
  /// before using them.
  @Test func sourceRangesAreTrimmed() throws {
    var set = ObjectSet()
    let text =
      Self.service(clusterIP: "10.96.0.1") + "  loadBalancerSourceRanges: [\" 203.0.113.0/25\", \"198.51.100.0/24\\t \", 010.0.0.0/08]\n"
    try ManifestDecoder.decode(text, file: "ranges.yaml", into: &set)
    #expect(set.services.first?.loadBalancerSourceRanges.map(\.description) == ["203.0.113.0/25", "198.51.100.0/24", "10.0.0.0/8"])
  }

  /// ValidateNonSpecialIP refuses unspecified, loopback, link-local and link-local multicast
  /// external IPs; other multicast addresses are accepted.
  @Test(arguments: [("239.1.2.3", true), ("224.0.1.1", true), ("ff05::1", true), ("224.0.0.251", false), ("ff02::fb", false)])
  func externalIPMulticast(ip: String, accepted: Bool) {
    var set = ObjectSet()
    let text = Self.service(clusterIP: "10.96.0.1") + "  externalIPs: [\"\(ip)\"]\n"
    if accepted {
      #expect(throws: Never.self) { try ManifestDecoder.decode(text, file: "e.yaml", into: &set) }
    } else {
      #expect {
        try ManifestDecoder.decode(text, file: "e.yaml", into: &set)
      } throws: { error in
        (error as? ManifestError)?.message == "\(ip) is not a valid external IP: it is a link-local multicast address"
      }
    }
  }
}

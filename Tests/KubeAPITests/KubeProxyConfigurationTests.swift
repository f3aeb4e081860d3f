// KubeProxyConfiguration.decode: the honoured fields, unknown fields ignored, and the exact
// errors for unsupported or invalid settings.
import KubeAPI
import NetAddress
import Testing

@Suite struct KubeProxyConfigurationTests {
  static let header = "apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\n"

  @Test func fullConfiguration() throws {
    let text =
      Self.header + """
        mode: nftables
        hostnameOverride: " Node-1 "
        clusterCIDR: "10.244.0.0/16, fd00:244::/56"
        nodePortAddresses: [192.168.0.0/24, "fd00::/64"]
        detectLocalMode: ClusterCIDR
        nftables:
          masqueradeAll: true
          syncPeriod: 30s
        """
    let config = try KubeProxyConfiguration.decode(text, file: "config.yaml")
    var expected = KubeProxyConfiguration(
      hostnameOverride: "node-1", clusterCIDRs: [IPPrefix("10.244.0.0/16")!, IPPrefix("fd00:244::/56")!],
      nodePortAddresses: ["192.168.0.0/24", "fd00::/64"], detectLocalMode: "ClusterCIDR", masqueradeAll: true)
    expected.syncPeriod = 30
    expected.mode = "nftables"
    #expect(config == expected)
  }

  @Test func emptyConfigurationHasDefaults() throws {
    #expect(try KubeProxyConfiguration.decode(Self.header, file: "c.yaml") == KubeProxyConfiguration())
    let primary = try KubeProxyConfiguration.decode(Self.header + "nodePortAddresses: [primary]\n", file: "c.yaml")
    #expect(primary.nodePortAddresses == ["primary"])
  }

  static let badCases: [BadInputCase] = [
    BadInputCase(
      name: "unsupported detectLocalMode", text: header + "detectLocalMode: NodeCIDR\n",
      expected: "c.yaml doc 1: detectLocalMode: \"NodeCIDR\" is not supported (kproxy supports only \"ClusterCIDR\")"),
    BadInputCase(
      name: "two IPv4 cluster CIDRs", text: header + "clusterCIDR: 10.0.0.0/8,10.1.0.0/16\n",
      expected: "c.yaml doc 1: clusterCIDR: at most one IPv4 CIDR may be given, got a second one \"10.1.0.0/16\""),
    BadInputCase(
      name: "cluster CIDR not a CIDR", text: header + "clusterCIDR: 10.0.0.0\n",
      expected: "c.yaml doc 1: clusterCIDR: \"10.0.0.0\" is not a valid CIDR"),
    BadInputCase(
      name: "primary mixed with CIDRs", text: header + "nodePortAddresses: [primary, 10.0.0.0/8]\n",
      expected: "c.yaml doc 1: nodePortAddresses[0]: \"primary\" must be the only entry of nodePortAddresses"),
    BadInputCase(
      name: "node port address not a CIDR", text: header + "nodePortAddresses: [eth0]\n",
      expected: "c.yaml doc 1: nodePortAddresses[0]: \"eth0\" is not a valid CIDR"),
    BadInputCase(
      name: "masqueradeAll as a string", text: header + "nftables: {masqueradeAll: \"true\"}\n",
      expected: "c.yaml doc 1: nftables.masqueradeAll: expected a boolean (true or false), got string \"true\""),
    BadInputCase(
      name: "wrong kind", text: "apiVersion: v1\nkind: ConfigMap\n",
      expected:
        "c.yaml doc 1: expected apiVersion kubeproxy.config.k8s.io/v1alpha1 kind KubeProxyConfiguration, got apiVersion \"v1\" kind \"ConfigMap\""
    ),
    BadInputCase(
      name: "empty file", text: "# nothing here\n",
      expected: "c.yaml: no KubeProxyConfiguration document found"),
    BadInputCase(
      name: "two documents", text: header + "---\n" + header,
      expected: "c.yaml doc 2: a configuration file must hold exactly one document"),
    BadInputCase(
      name: "hostname with a space", text: header + "hostnameOverride: node 1\n",
      expected:
        "c.yaml doc 1: hostnameOverride: \"node 1\" is not a valid node name: must be a DNS-1123 subdomain: lower-case letters, digits, '-' and '.', each dot-separated part starting and ending with a letter or digit"
    ),
  ]

  @Test(arguments: badCases) func rejected(_ testCase: BadInputCase) {
    #expect {
      try KubeProxyConfiguration.decode(testCase.text, file: "c.yaml")
    } throws: { error in
      (error as? ManifestError)?.description == testCase.expected
    }
  }

  @Test func configurationInAManifestStreamIsIgnored() throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(Self.header + "clusterCIDR: 10.0.0.0/8\n", file: "m.yaml", into: &set)
    #expect(set.ignoredCount == 1)
  }
}

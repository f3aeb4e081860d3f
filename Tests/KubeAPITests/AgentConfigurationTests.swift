// The KubeProxyConfiguration fields `kproxy run` uses (bind addresses, sync periods, the API
// connection, mode) and Go's duration syntax, with the exact errors for bad values.
import KubeAPI
import NetAddress
import Testing

@Suite struct AgentConfigurationTests {
  static let header = KubeProxyConfigurationTests.header

  @Test func agentFieldsAreRead() throws {
    let config = try KubeProxyConfiguration.decode(
      Self.header + """
        mode: nftables
        bindAddress: 192.168.1.10
        healthzBindAddress: 0.0.0.0:10256
        metricsBindAddress: "[::1]:10249"
        clientConnection: {kubeconfig: /var/lib/kproxy/kubeconfig}
        nftables: {syncPeriod: 1m30s, minSyncPeriod: 500ms}
        """, file: "c.yaml")
    #expect(config.mode == "nftables")
    #expect(config.bindAddress == IPAddress("192.168.1.10"))
    #expect(config.healthzBindAddress == "0.0.0.0:10256")
    #expect(config.metricsBindAddress == "[::1]:10249")
    #expect(config.kubeconfig == "/var/lib/kproxy/kubeconfig")
    #expect(config.syncPeriod == 90)
    #expect(config.minSyncPeriod == 0.5)
  }

  @Test(arguments: ["auto", "nftables", "userspace"]) func kproxyModesAreRead(_ mode: String) throws {
    let config = try KubeProxyConfiguration.decode(Self.header + "mode: \(mode)\n", file: "c.yaml")
    #expect(config.mode == mode)
  }

  @Test(arguments: [
    ("0", 0.0), ("30s", 30), ("1m0s", 60), ("500ms", 0.5), ("1h2m3.5s", 3723.5), ("250us", 0.00025), ("+2s", 2), ("1.5m", 90),
  ])
  func goDurations(text: String, seconds: Double) throws {
    #expect(try GoDuration.seconds(text).get() == seconds)
  }

  static let badCases: [BadInputCase] = [
    BadInputCase(
      name: "sync period without unit", text: header + "nftables: {syncPeriod: \"30\"}\n",
      expected: "c.yaml doc 1: nftables.syncPeriod: \"30\" is not a duration (e.g. 30s, 1m, 500ms): missing unit (ns, us, ms, s, m, h)"),
    BadInputCase(
      name: "negative min sync period", text: header + "nftables: {minSyncPeriod: -1s}\n",
      expected: "c.yaml doc 1: nftables.minSyncPeriod: \"-1s\" is not a duration (e.g. 30s, 1m, 500ms): must not be negative"),
    BadInputCase(
      name: "unknown unit", text: header + "nftables: {syncPeriod: 3d}\n",
      expected: "c.yaml doc 1: nftables.syncPeriod: \"3d\" is not a duration (e.g. 30s, 1m, 500ms): unknown unit \"d\""),
    BadInputCase(
      name: "healthz without port", text: header + "healthzBindAddress: 0.0.0.0\n",
      expected: "c.yaml doc 1: healthzBindAddress: \"0.0.0.0\" is not host:port (e.g. 0.0.0.0:10256)"),
    BadInputCase(
      name: "metrics IPv6 without brackets", text: header + "metricsBindAddress: \"::1:10249\"\n",
      expected:
        "c.yaml doc 1: metricsBindAddress: \"::1:10249\" has no valid host IP (IPv6 goes in brackets: [::1]:10249)"),
    BadInputCase(
      name: "bind address not an IP", text: header + "bindAddress: node-1\n",
      expected: "c.yaml doc 1: bindAddress: \"node-1\" is not a valid IP address"),
    BadInputCase(
      name: "iptables mode", text: header + "mode: iptables\n",
      expected:
        "c.yaml doc 1: mode: \"iptables\" is not supported (kproxy's modes: \"auto\", \"nftables\", \"userspace\", or empty for auto)"),
  ]

  @Test(arguments: badCases) func rejected(_ testCase: BadInputCase) {
    #expect {
      try KubeProxyConfiguration.decode(testCase.text, file: "c.yaml")
    } throws: { error in
      (error as? ManifestError)?.description == testCase.expected
    }
  }
}

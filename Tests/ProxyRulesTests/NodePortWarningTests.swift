// Why NodePorts accept no traffic, in the warning's words: no node IP known, none inside the
// --nodeport-addresses CIDRs, or no CIDR of the family; and the plain-words description of
// --nodeport-addresses that `-v` prints.
import NetAddress
import ProxyRules
import ServiceProxy
import Testing

@Suite struct NodePortWarningTests {
  struct Case: Sendable, CustomStringConvertible {
    var description: String
    var nodeIPs: [String]
    var addresses: NodePortAddresses
    var warning: String?
  }

  static func cidrs(_ s: String...) -> NodePortAddresses { .cidrs(s.map { IPPrefix($0)! }) }

  static let cases: [Case] = [
    Case(
      description: "no node IP, primary", nodeIPs: [], addresses: .primary,
      warning: "no IPv4 node IP is known (--node-ip or a Node object): IPv4 NodePorts accept no traffic"),
    Case(
      description: "no node IP, CIDRs", nodeIPs: [], addresses: cidrs("172.16.0.0/12"),
      warning: "no IPv4 node IP is known (--node-ip or a Node object): IPv4 NodePorts accept no traffic"),
    Case(
      description: "node IP outside the CIDRs", nodeIPs: ["192.168.1.10", "192.168.2.10", "fd00::1"],
      addresses: cidrs("172.16.0.0/12", "10.0.0.0/8", "fd00::/8"),
      warning:
        "no IPv4 node IP (192.168.1.10, 192.168.2.10) is inside --nodeport-addresses (172.16.0.0/12, 10.0.0.0/8): IPv4 NodePorts accept no traffic"
    ),
    Case(
      description: "no CIDR of the family", nodeIPs: ["192.168.1.10"], addresses: cidrs("fd00::/8"),
      warning: "--nodeport-addresses (fd00::/8) has no IPv4 CIDR: IPv4 NodePorts accept no traffic"),
    Case(description: "node IP inside", nodeIPs: ["192.168.1.10"], addresses: cidrs("192.168.0.0/16"), warning: nil),
    Case(description: "every local address", nodeIPs: [], addresses: cidrs("0.0.0.0/0"), warning: nil),
    Case(description: "primary IP", nodeIPs: ["192.168.1.10"], addresses: .primary, warning: nil),
  ]

  @Test(arguments: cases)
  func nodePortsWithoutAddressesWarn(c: Case) {
    let node = NodeConfig(hostname: "n", nodeIPs: c.nodeIPs.map { IPAddress($0)! }, nodePortAddresses: c.addresses)
    let r = RulesetCompiler.compile(ProxyState(servicePorts: [CompilerTests.port("a", nodePort: 30000)]), node: node)
    #expect(r.warnings == (c.warning.map { [$0] } ?? []))
    // Without NodePorts, nothing to warn about.
    #expect(RulesetCompiler.compile(ProxyState(servicePorts: [CompilerTests.port("a")]), node: node).warnings.isEmpty)
  }

  @Test(arguments: [
    (NodePortAddresses.primary, "the node's primary IPs"),
    (cidrs("172.16.0.0/12", "fd00::/8"), "node IPs in 172.16.0.0/12, fd00::/8"),
    (cidrs("0.0.0.0/0", "::/0"), "every local address"),
    (cidrs("0.0.0.0/0", "fd00::/8"), "every local IPv4 address and node IPs in fd00::/8"),
  ])
  func nodePortAddressesInPlainWords(addresses: NodePortAddresses, words: String) {
    #expect("NodePorts on \(addresses)" == "NodePorts on \(words)")
  }
}

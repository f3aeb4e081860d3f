// Node configuration: flags override the config file; node IPs from the Node object;
// NodePort addresses from CIDRs or the primary IPs.
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

@Suite struct NodeSettingsTests {
  static let nodeObject = Node(
    meta: ObjectMeta(name: "node-a"), internalIPs: [IPAddress("192.168.1.10")!, IPAddress("fd00::10")!],
    externalIPs: [IPAddress("203.0.113.5")!])

  @Test func flagsOverrideFileAndNodeObjectGivesIPs() {
    let config = KubeProxyConfiguration(hostnameOverride: "node-a", clusterCIDRs: [IPPrefix("10.244.0.0/16")!], masqueradeAll: false)
    let objects = ObjectSet(
      nodes: [Self.nodeObject], serviceCIDRs: [ServiceCIDR(meta: ObjectMeta(name: "k"), cidrs: [IPPrefix("10.96.0.0/16")!])])
    let n = NodeSettings(clusterCIDRs: [IPPrefix("10.250.0.0/16")!], masqueradeAll: true).resolve(
      config: config, objects: objects, systemHostname: "ignored")
    #expect(n.hostname == "node-a")
    #expect(n.nodeIPs.map(\.description) == ["192.168.1.10", "fd00::10", "203.0.113.5"])
    #expect(n.clusterCIDRs.map(\.description) == ["10.250.0.0/16"])
    #expect(n.serviceCIDRs.map(\.description) == ["10.96.0.0/16"])
    #expect(n.masqueradeAll)
    #expect(n.nodePortIPs(.v4) == [IPAddress("192.168.1.10")!])
    #expect(n.nodePortIPs(.v6) == [IPAddress("fd00::10")!])
  }

  @Test(
    arguments: [
      // (flag, file's bindAddress, node IPs): the flag first, else the file; 0.0.0.0 means none.
      ("203.0.113.5", nil, ["203.0.113.5", "192.168.1.10", "fd00::10"]),
      (nil, "192.168.9.9", ["192.168.9.9", "192.168.1.10", "fd00::10", "203.0.113.5"]),
      ("0.0.0.0", "192.168.9.9", ["192.168.9.9", "192.168.1.10", "fd00::10", "203.0.113.5"]),
      ("192.168.7.7", "192.168.9.9", ["192.168.7.7", "192.168.1.10", "fd00::10", "203.0.113.5"]),
      ("::", nil, ["192.168.1.10", "fd00::10", "203.0.113.5"]),
    ] as [(String?, String?, [String])])
  func bindAddressIsThePrimaryIPOfItsFamily(flag: String?, file: String?, expected: [String]) {
    var config = KubeProxyConfiguration(hostnameOverride: "node-a")
    config.bindAddress = file.flatMap { IPAddress($0) }
    let n = NodeSettings(bindAddress: flag.flatMap { IPAddress($0) }).resolve(
      config: config, objects: ObjectSet(nodes: [Self.nodeObject]), systemHostname: "x")
    #expect(n.nodeIPs.map(\.description) == expected)
  }

  @Test func explicitNodeIPsAndHostnameFallback() {
    let n = NodeSettings(nodeIPs: [IPAddress("10.1.1.1")!]).resolve(
      config: nil, objects: ObjectSet(nodes: [Self.nodeObject]), systemHostname: "Node-A")
    #expect(n.hostname == "node-a")
    #expect(n.nodeIPs == [IPAddress("10.1.1.1")!])
  }

  @Test(arguments: [
    (["192.168.0.0/16"], ["192.168.1.10"] as [String]?),
    (["203.0.113.0/24", "192.168.1.10/32"], ["192.168.1.10", "203.0.113.5"]),
    (["0.0.0.0/0"], nil),
    (["10.0.0.0/8"], []),
  ])
  func nodePortAddressCIDRs(cidrs: [String], expected: [String]?) {
    let config = KubeProxyConfiguration(hostnameOverride: "node-a", nodePortAddresses: cidrs)
    let n = NodeSettings().resolve(config: config, objects: ObjectSet(nodes: [Self.nodeObject]), systemHostname: "x")
    #expect(n.nodePortIPs(.v4)?.map(\.description) == expected)
  }
}

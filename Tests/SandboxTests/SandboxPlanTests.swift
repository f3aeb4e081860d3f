// The sandbox plan from a reconciled cluster: pod namespaces per endpoint IP with their echo
// listeners, host-network endpoints served by the node, client pods, addresses, probes, notes.
import KernelTestSupport
import KubeAPI
import KubeSource
import NetAddress
import Sandbox
import ServiceProxy
import Testing

@Suite struct SandboxPlanTests {
  static func plan(_ fixture: String, name: String = "t1") throws -> SandboxPlan {
    let (state, node) = try FixtureScenarios.reconcile(fixture)
    return try SandboxPlan(name: name, state: state, node: node)
  }

  @Test func theDemoHasAPodPerEndpointIPAndTheNodeServesItsOwnEndpoint() throws {
    let p = try Self.plan("demo")
    #expect(p.node == "kpsb-t1-node" && p.outside == "kpsb-t1-out")
    #expect(p.nodeIPs == ["192.168.1.10"] && p.outsideIPs == ["192.168.1.254"])
    #expect(p.pods.map(\.ip) == ["10.244.0.5", "10.244.0.21", "10.244.1.7", "10.244.1.22", "10.244.2.23"])
    #expect(p.pods.map(\.namespace) == (0..<5).map { "kpsb-t1-p\($0)" })
    #expect(p.pods[0].listens.map(\.description) == ["tcp 10.244.0.5:53", "udp 10.244.0.5:53"])
    // kubernetes' endpoint is the node IP: served in the node namespace, not in a pod.
    #expect(p.nodeListens.map(\.description) == ["tcp 192.168.1.10:6443"])
    #expect(p.gateways == ["10.244.0.1"])
    #expect(p.clients.map(\.ip) == ["10.244.0.200"])
  }

  @Test func probesCoverClusterIPsFromAPodAndTheNodeAndNodePortsFromOutside() throws {
    let p = try Self.plan("demo")
    let web = p.probes.filter { $0.servicePort == "shop/web:http (tcp)" }
    #expect(
      web.map { "\($0.kind) \($0.from.rawValue) \($0.fromAddress) \($0.targetText)" } == [
        "ClusterIP pod 10.244.0.200 10.96.12.34:80", "ClusterIP node 192.168.1.10 10.96.12.34:80",
        "NodePort outside 192.168.1.254 192.168.1.10:30080",
      ])
    #expect(p.namespace(for: "node") == p.node)
    #expect(p.namespace(for: "10.244.1.22") == "kpsb-t1-p3")
    #expect(p.namespace(for: "192.168.1.10") == p.node)
    #expect(p.namespace(for: "client") == "kpsb-t1-c4")
    #expect(p.namespace(for: "10.9.9.9") == nil)
  }

  @Test func externalAndLoadBalancerAddressesAreProbedFromOutsideAndSCTPIsNoted() throws {
    let lb = try Self.plan("loadbalancer-sourceranges")
    #expect(lb.probes.filter { $0.kind == "LoadBalancer" }.map(\.targetText) == ["198.51.100.7:443", "198.51.100.8:443"])
    let sctp = try Self.plan("udp-sctp")
    #expect(sctp.notes.contains { $0.hasSuffix("not probed (SCTP)") })
  }

  @Test func aDualStackNodeGetsAClientPodAndAnOutsideAddressPerFamily() throws {
    let p = try Self.plan("dual-stack")
    #expect(p.nodeIPs.count == 2 && p.outsideIPs.count == 2 && p.gateways.count == 2)
    #expect(Set(p.clients.map { IPAddress($0.ip)!.family }) == [.v4, .v6])
    #expect(p.probes.contains { $0.target.contains(":") && $0.from == .pod })
  }

  @Test(arguments: ["", "-a", "a-", "A", "a_b", "a.b", String(repeating: "a", count: 21), "a b"])
  func badNamesAreRefused(name: String) throws {
    #expect(throws: SandboxError.invalidName(name)) { try Self.plan("demo", name: name) }
  }

  @Test func theMarkerTellsSandboxesApart() {
    #expect(SandboxNames.belongs("kpsb-a-node", to: "a"))
    #expect(!SandboxNames.belongs("kpsb-ab-node", to: "a"))
    #expect(SandboxNames.belongs("kpsb-ab-node", to: nil))
    #expect(!SandboxNames.belongs("kp-1-node", to: nil))
  }

  @Test func aClusterWithoutNodeIPsCannotBeSandboxed() throws {
    let objects = ObjectSet()
    let node = NodeSettings().resolve(config: nil, objects: objects, systemHostname: "x")
    #expect(throws: SandboxError.noNodeIP) { try SandboxPlan(name: "a", state: Reconciler.reconcile(objects, node: node), node: node) }
  }
}

@Suite struct SandboxCheckRowTests {
  static let probe = SandboxProbe(
    servicePort: "a/b:http (tcp)", kind: "ClusterIP", from: .pod, fromAddress: "10.244.0.200", namespace: "ns", target: "10.96.0.1",
    port: 80,
    transport: .tcp)

  @Test func answersAreTalliedPerEndpointWithTheSourceSeen() {
    let r = SandboxCheckRow(
      probe: Self.probe,
      lines: [
        "server=10.244.0.5:8080 peer=10.244.0.200:41000", "server=10.244.0.6:8080 peer=10.244.0.200:41001",
        "server=10.244.0.5:8080 peer=10.244.0.200:41002",
      ])
    #expect(r.endpoints == ["10.244.0.5:8080": 2, "10.244.0.6:8080": 1])
    #expect(!r.masquerade)
    #expect(r.summary == "10.244.0.5:8080 ×2, 10.244.0.6:8080 ×1; source kept")
  }

  @Test func iPv6EndpointsAreBracketed() {
    let r = SandboxCheckRow(probe: Self.probe, lines: ["server=fd00:10:244::84:53 peer=fd00:10:244::c8:41000"])
    #expect(r.summary == "[fd00:10:244::84]:53 ×1; masqueraded (seen as fd00:10:244::c8)")
  }

  @Test func masqueradeAndFailuresAreNamed() {
    let r = SandboxCheckRow(probe: Self.probe, lines: ["server=10.244.0.5:8080 peer=10.244.0.1:41000", "error=refused", "error=timeout"])
    #expect(r.masquerade)
    #expect(r.summary == "10.244.0.5:8080 ×1; masqueraded (seen as 10.244.0.1); REJECT (refused ×1); DROP/timeout (timeout ×1)")
  }
}

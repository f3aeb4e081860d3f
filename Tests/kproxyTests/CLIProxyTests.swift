// `kproxy proxy --print-ports` from the outside: the service port → listen address mapping as
// text and as JSON, with a reassigned port kept in the state file across runs.
import Foundation
import Testing

@Suite struct CLIProxyTests {
  static let manifests = """
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec:
      clusterIP: 10.96.0.5
      ports: [{name: http, port: 80}, {name: alt, port: 8080}, {name: dns, port: 8080, protocol: UDP}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: api, namespace: shop}
    spec:
      clusterIP: 10.96.0.6
      ports: [{port: 8080}]
    ---
    apiVersion: v1
    kind: Service
    metadata: {name: assoc, namespace: shop}
    spec:
      clusterIP: 10.96.0.7
      ports: [{port: 9999, protocol: SCTP}]

    """

  static func args(_ file: String, _ stateDir: String, _ extra: [String]) -> [String] {
    ["proxy", "--manifests", file, "--hostname-override", "n1", "--node-ip", "192.168.1.10", "--state-dir", stateDir] + extra
  }

  @Test func printPortsWithAListenAddress() throws {
    let file = try CLITests.tempFile(Self.manifests)
    let stateDir = (file as NSString).deletingLastPathComponent + "/state"
    let r = try CLITests.kproxy(
      Self.args(file, stateDir, ["--listen-address", "127.0.0.1", "--port-range", "41000-41010", "--print-ports"]))
    #expect(r.status == 0, "\(r.stderr)")
    #expect(
      r.stdout == """
        shop/api/TCP       127.0.0.1:8080/TCP   internal
        shop/web:alt/TCP   127.0.0.1:41000/TCP  internal  port 8080 is taken by shop/api/TCP
        shop/web:dns/UDP   127.0.0.1:8080/UDP   internal
        shop/web:http/TCP  127.0.0.1:80/TCP     internal

        """)
    #expect(r.stderr == "kproxy: warning: shop/assoc/SCTP: SCTP is not proxied in userspace mode; skipped\n")
    let json = try CLITests.kproxy(
      Self.args(file, stateDir, ["--listen-address", "127.0.0.1", "--port-range", "41000-41010", "--print-ports", "--json"]))
    #expect(json.status == 0)
    let rows = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]])
    #expect(rows.count == 4)
    #expect(rows[1]["servicePort"] as? String == "shop/web:alt/TCP")
    #expect(rows[1]["address"] as? String == "127.0.0.1")
    #expect(rows[1]["port"] as? Int == 41000)
    #expect(rows[1]["protocol"] as? String == "TCP")
    #expect(rows[1]["scope"] as? String == "internal")
    #expect(rows[1]["reassigned"] as? String == "port 8080 is taken by shop/api/TCP")
    #expect(rows[0]["reassigned"] == nil)
  }

  @Test func printPortsOnServiceAddresses() throws {
    let file = try CLITests.tempFile(
      "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: NodePort\n  clusterIP: 10.96.0.5\n  externalIPs: [192.168.1.10, 203.0.113.9]\n  ports: [{port: 80, nodePort: 30080}]\n"
    )
    let stateDir = (file as NSString).deletingLastPathComponent + "/state"
    let r = try CLITests.kproxy(Self.args(file, stateDir, ["--print-ports"]))
    #expect(r.status == 0, "\(r.stderr)")
    #expect(
      r.stdout == """
        shop/web/TCP  10.96.0.5:80/TCP        internal
        shop/web/TCP  192.168.1.10:80/TCP     external
        shop/web/TCP  192.168.1.10:30080/TCP  external

        """)
  }

  @Test func badUserspaceFlags() throws {
    let file = try CLITests.tempFile(Self.manifests)
    for (flags, message) in [
      (["--port-range", "5-2"], "--port-range: \"5-2\" is not a range A-B of ports (1 ≤ A ≤ B ≤ 65535)"),
      (["--listen-address", "localhost"], "--listen-address: \"localhost\" is not an IP address"),
      (["--json"], "--json needs --print-ports"),
    ] {
      let r = try CLITests.kproxy(["proxy", "--manifests", file] + flags)
      #expect(r.status == 2)
      #expect(r.stderr.contains(message), "\(r.stderr)")
      #expect(r.stdout.isEmpty)
    }
  }
}

// Every object of every fixture, encoded as JSON and decoded again, is the same object: what
// `kproxy record` writes is exactly what kproxy had seen.
import Foundation
import KubeAPI
import Testing

@Suite struct ObjectEncodingTests {
  static let fixtures: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("fixtures")

  static var manifestFiles: [String] {
    let e = FileManager.default.enumerator(atPath: fixtures.path)
    var out: [String] = []
    while let p = e?.nextObject() as? String {
      if p.contains("/manifests/") && (p.hasSuffix(".yaml") || p.hasSuffix(".json")) { out.append(p) }
    }
    return out.sorted()
  }

  @Test(arguments: manifestFiles)
  func decodingTheEncodingGivesTheSameObjects(file: String) throws {
    let text = try String(contentsOf: Self.fixtures.appendingPathComponent(file), encoding: .utf8)
    let objects = try ManifestDecoder.decodeObjects(text, file: file).objects.map(\.object)
    let list: [String: Any] = ["apiVersion": "v1", "kind": "List", "items": objects.map(\.jsonObject)]
    let json = String(decoding: try JSONSerialization.data(withJSONObject: list, options: [.sortedKeys]), as: UTF8.self)
    let again = try ManifestDecoder.decodeObjects(json, file: "encoded.json").objects.map(\.object)
    #expect(again == objects)
  }

  @Test func everyKindAndOptionalFieldSurvives() throws {
    // A field-rich document (hints, ipMode, named target ports, init containers, ExternalName).
    let yaml = """
      apiVersion: v1
      kind: Service
      metadata: {name: a, namespace: x, labels: {k: v}, annotations: {note: text}}
      spec:
        type: LoadBalancer
        clusterIPs: [10.0.0.1, fd00::1]
        ipFamilies: [IPv4, IPv6]
        ports: [{name: h, port: 80, targetPort: web, nodePort: 30001}, {name: u, protocol: UDP, port: 53, targetPort: 5353}]
        externalIPs: [192.0.2.1]
        loadBalancerSourceRanges: [203.0.113.0/24]
        sessionAffinity: ClientIP
        sessionAffinityConfig: {clientIP: {timeoutSeconds: 60}}
        externalTrafficPolicy: Local
        healthCheckNodePort: 32000
        trafficDistribution: PreferClose
      status: {loadBalancer: {ingress: [{ip: 198.51.100.1, ipMode: Proxy}]}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: ext}
      spec: {type: ExternalName, externalName: example.com}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: headless}
      spec: {clusterIP: None, selector: {app: a}}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: a-1, namespace: x, labels: {kubernetes.io/service-name: a}}
      addressType: IPv4
      endpoints:
      - {addresses: [10.1.0.1], conditions: {ready: false, serving: true, terminating: true}, nodeName: n1, zone: z1, hints: {forZones: [{name: z1}], forNodes: [{name: n1}]}}
      - {addresses: [10.1.0.2]}
      ports: [{name: h, port: 8080}, {name: u, protocol: UDP}]
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: p, namespace: x, labels: {app: a}, deletionTimestamp: "2026-01-01T00:00:00Z"}
      spec:
        nodeName: n1
        containers: [{name: a, ports: [{name: web, containerPort: 8080}]}, {name: b, ports: [{containerPort: 53, protocol: UDP}]}]
        initContainers: [{name: s, restartPolicy: Always, ports: [{name: side, containerPort: 9090}]}]
      status: {phase: Running, conditions: [{type: Ready, status: "True"}], podIP: 10.1.0.1, podIPs: [{ip: 10.1.0.1}, {ip: "fd00:1::1"}]}
      ---
      apiVersion: v1
      kind: Node
      metadata: {name: n1, labels: {topology.kubernetes.io/zone: z1}}
      status: {addresses: [{type: InternalIP, address: 192.168.1.1}, {type: ExternalIP, address: 203.0.113.1}, {type: Hostname, address: n1}]}
      ---
      apiVersion: networking.k8s.io/v1
      kind: ServiceCIDR
      metadata: {name: kubernetes}
      spec: {cidrs: [10.96.0.0/16, "fd00:96::/112"]}
      """
    let objects = try ManifestDecoder.decodeObjects(yaml, file: "rich.yaml").objects.map(\.object)
    #expect(objects.count == 7)
    let json = String(
      decoding: try JSONSerialization.data(withJSONObject: ["apiVersion": "v1", "kind": "List", "items": objects.map(\.jsonObject)]),
      as: UTF8.self)
    #expect(try ManifestDecoder.decodeObjects(json, file: "encoded.json").objects.map(\.object) == objects)
  }
}

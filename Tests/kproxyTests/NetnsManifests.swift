// Small Kubernetes manifests for the packet tests: a Service and its EndpointSlice written as
// YAML, and `kproxy compile` run on them with this topology's node options.
import Foundation

/// A single-port service (TCP, UDP or both on the same port) and its endpoints.
struct ServiceManifest {
  var name: String
  var type = "ClusterIP"
  /// One per family; the first decides the slice's family for IPv6-only services.
  var clusterIP: String
  var port = 80
  var targetPort = 8080
  var nodePort: Int?
  var protocols: [TransportProtocol] = [.tcp, .udp]
  var sessionAffinity: String?
  var externalTrafficPolicy: String?
  var internalTrafficPolicy: String?
  var externalIPs: [String] = []
  /// `status.loadBalancer.ingress[].ip`.
  var loadBalancerIngress: [String] = []
  /// Ready endpoints: IP and the node it runs on; all lists empty: a slice with no endpoints.
  var endpoints: [(ip: String, nodeName: String)] = []
  /// Endpoints that are terminating but still serving (ready false, serving true).
  var terminatingEndpoints: [(ip: String, nodeName: String)] = []
  /// Endpoints that are neither ready nor serving.
  var unreadyEndpoints: [(ip: String, nodeName: String)] = []
  var loadBalancerSourceRanges: [String] = []

  var isIPv6: Bool { clusterIP.contains(":") }

  var yaml: String {
    var s = """
      apiVersion: v1
      kind: Service
      metadata:
        name: \(name)
        namespace: default
      spec:
        type: \(type)
        clusterIP: "\(clusterIP)"
        clusterIPs: ["\(clusterIP)"]
        ipFamilies: [\(isIPv6 ? "IPv6" : "IPv4")]
        selector:
          app: \(name)
        ports:

      """
    for p in protocols {
      s += "  - name: \(p.rawValue)\n    protocol: \(p.rawValue.uppercased())\n    port: \(port)\n    targetPort: \(targetPort)\n"
      if let nodePort { s += "    nodePort: \(nodePort)\n" }
    }
    if let sessionAffinity { s += "  sessionAffinity: \(sessionAffinity)\n" }
    if let externalTrafficPolicy { s += "  externalTrafficPolicy: \(externalTrafficPolicy)\n" }
    if let internalTrafficPolicy { s += "  internalTrafficPolicy: \(internalTrafficPolicy)\n" }
    if !loadBalancerSourceRanges.isEmpty {
      s += "  loadBalancerSourceRanges: [\(loadBalancerSourceRanges.map { "\"\($0)\"" }.joined(separator: ", "))]\n"
    }
    if !externalIPs.isEmpty { s += "  externalIPs: [\(externalIPs.map { "\"\($0)\"" }.joined(separator: ", "))]\n" }
    if !loadBalancerIngress.isEmpty {
      s += "status:\n  loadBalancer:\n    ingress:\n" + loadBalancerIngress.map { "    - ip: \"\($0)\"\n" }.joined()
    }
    s += """
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata:
        name: \(name)-slice
        namespace: default
        labels:
          kubernetes.io/service-name: \(name)
      addressType: \(isIPv6 ? "IPv6" : "IPv4")

      """
    let entries = endpoints.map { ($0, "ready: true, serving: true, terminating: false") }
      + terminatingEndpoints.map { ($0, "ready: false, serving: true, terminating: true") }
      + unreadyEndpoints.map { ($0, "ready: false, serving: false, terminating: false") }
    s += entries.isEmpty ? "endpoints: []\n" : "endpoints:\n"
    for (e, conditions) in entries {
      s += "- addresses: [\"\(e.ip)\"]\n  conditions: {\(conditions)}\n  nodeName: \(e.nodeName)\n"
    }
    s += "ports:\n"
    for p in protocols {
      s += "- name: \(p.rawValue)\n  protocol: \(p.rawValue.uppercased())\n  port: \(targetPort)\n"
    }
    return s
  }
}

enum KproxyCompiler {
  /// This node's name: endpoints with this nodeName are local.
  static let hostname = "node-a"
  /// Another node's name, for endpoints that are not local.
  static let otherNode = "node-b"

  /// Writes `services` into a temporary folder, runs the real `kproxy compile` with the
  /// topology's node options, and returns the nft script it printed.
  static func compile(_ services: [ServiceManifest], extraArguments: [String] = []) throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kp-manifests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for service in services {
      try service.yaml.write(to: dir.appendingPathComponent("\(service.name).yaml"), atomically: true, encoding: .utf8)
    }
    typealias A = TopologyAddresses
    let result = try Command.run([
      try PacketTestPaths.kproxyBinary(), "compile", "--manifests", dir.path,
      "--hostname-override", hostname,
      "--node-ip", A.nodeIPv4, "--node-ip", A.nodeIPv6,
      "--cluster-cidr", A.clusterCIDRs, "--service-cidr", A.serviceCIDRs,
    ] + extraArguments)
    try result.check()
    return result.stdout
  }
}

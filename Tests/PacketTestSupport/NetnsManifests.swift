// Small Kubernetes manifests for the packet tests: a Service and its EndpointSlice written as
// YAML, and `kproxy compile` run on them with this topology's node options.
import Foundation

/// A single-port service (TCP, UDP or both on the same port) and its endpoints.
public struct ServiceManifest {
  public var name: String
  public var type = "ClusterIP"
  /// The primary ClusterIP; its family is the service's first IP family.
  public var clusterIP: String
  /// The ClusterIP of the other family, for a dual-stack service.
  public var secondaryClusterIP: String?
  public var port = 80
  public var targetPort = 8080
  public var nodePort: Int?
  public var protocols: [TransportProtocol] = [.tcp, .udp]
  public var sessionAffinity: String?
  public var externalTrafficPolicy: String?
  public var internalTrafficPolicy: String?
  public var externalIPs: [String] = []
  /// `status.loadBalancer.ingress[].ip`.
  public var loadBalancerIngress: [String] = []
  /// Ready endpoints: IP and the node it runs on; all lists empty: a slice with no endpoints.
  public var endpoints: [(ip: String, nodeName: String)] = []
  /// Endpoints that are terminating but still serving (ready false, serving true).
  public var terminatingEndpoints: [(ip: String, nodeName: String)] = []
  /// Endpoints that are neither ready nor serving.
  public var unreadyEndpoints: [(ip: String, nodeName: String)] = []
  public var loadBalancerSourceRanges: [String] = []
  /// `hints` of an endpoint, by its IP, as a YAML flow map (e.g. `{forZones: [{name: zone-a}]}`).
  public var endpointHints: [String: String] = [:]

  public init(
    name: String,
    type: String = "ClusterIP",
    clusterIP: String,
    secondaryClusterIP: String? = nil,
    port: Int = 80,
    targetPort: Int = 8080,
    nodePort: Int? = nil,
    protocols: [TransportProtocol] = [.tcp, .udp],
    sessionAffinity: String? = nil,
    externalTrafficPolicy: String? = nil,
    internalTrafficPolicy: String? = nil,
    externalIPs: [String] = [],
    loadBalancerIngress: [String] = [],
    endpoints: [(ip: String, nodeName: String)] = [],
    terminatingEndpoints: [(ip: String, nodeName: String)] = [],
    unreadyEndpoints: [(ip: String, nodeName: String)] = [],
    loadBalancerSourceRanges: [String] = [],
    endpointHints: [String: String] = [:]
  ) {
    self.name = name
    self.type = type
    self.clusterIP = clusterIP
    self.secondaryClusterIP = secondaryClusterIP
    self.port = port
    self.targetPort = targetPort
    self.nodePort = nodePort
    self.protocols = protocols
    self.sessionAffinity = sessionAffinity
    self.externalTrafficPolicy = externalTrafficPolicy
    self.internalTrafficPolicy = internalTrafficPolicy
    self.externalIPs = externalIPs
    self.loadBalancerIngress = loadBalancerIngress
    self.endpoints = endpoints
    self.terminatingEndpoints = terminatingEndpoints
    self.unreadyEndpoints = unreadyEndpoints
    self.loadBalancerSourceRanges = loadBalancerSourceRanges
    self.endpointHints = endpointHints
  }

  public var clusterIPs: [String] { [clusterIP] + (secondaryClusterIP.map { [$0] } ?? []) }

  public static func family(_ ip: String) -> String { ip.contains(":") ? "IPv6" : "IPv4" }

  public var yaml: String {
    var s = """
      apiVersion: v1
      kind: Service
      metadata:
        name: \(name)
        namespace: default
      spec:
        type: \(type)
        clusterIP: "\(clusterIP)"
        clusterIPs: [\(clusterIPs.map { "\"\($0)\"" }.joined(separator: ", "))]
        ipFamilies: [\(clusterIPs.map(Self.family).joined(separator: ", "))]
        ipFamilyPolicy: \(clusterIPs.count > 1 ? "RequireDualStack" : "SingleStack")
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
    // One slice per family of the service, with the endpoints of that family.
    let entries =
      endpoints.map { ($0, "ready: true, serving: true, terminating: false") }
      + terminatingEndpoints.map { ($0, "ready: false, serving: true, terminating: true") }
      + unreadyEndpoints.map { ($0, "ready: false, serving: false, terminating: false") }
    for family in clusterIPs.map(Self.family) {
      s += """
        ---
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata:
          name: \(name)-\(family.lowercased())
          namespace: default
          labels:
            kubernetes.io/service-name: \(name)
        addressType: \(family)

        """
      let ofFamily = entries.filter { Self.family($0.0.ip) == family }
      s += ofFamily.isEmpty ? "endpoints: []\n" : "endpoints:\n"
      for (e, conditions) in ofFamily {
        s += "- addresses: [\"\(e.ip)\"]\n  conditions: {\(conditions)}\n  nodeName: \(e.nodeName)\n"
        if let hints = endpointHints[e.ip] { s += "  hints: \(hints)\n" }
      }
      s += "ports:\n"
      for p in protocols {
        s += "- name: \(p.rawValue)\n  protocol: \(p.rawValue.uppercased())\n  port: \(targetPort)\n"
      }
    }
    return s
  }
}

/// Service manifests with the node options they are compiled with, and the script that
/// `kproxy compile` printed for them (the nft backend loads the script, the netlink backend
/// runs `kproxy apply` on the same manifests and options).
public struct CompiledCluster {
  public var manifests: [(name: String, yaml: String)]
  public var nodeArguments: [String]
  public var script: String

  /// Writes the manifests into a temporary folder for the duration of `body`.
  public func withManifests<T>(_ body: (String) throws -> T) throws -> T {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kp-manifests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    for m in manifests {
      try m.yaml.write(to: dir.appendingPathComponent("\(m.name).yaml"), atomically: true, encoding: .utf8)
    }
    return try body(dir.path)
  }
}

public enum KproxyCompiler {
  /// This node's name: endpoints with this nodeName are local.
  public static let hostname = "node-a"
  /// Another node's name, for endpoints that are not local.
  public static let otherNode = "node-b"

  /// Runs the real `kproxy compile` on `services` (and other objects, e.g. a Node) with the
  /// topology's node options.
  public static func compile(
    _ services: [ServiceManifest], extraArguments: [String] = [], otherObjects: [(name: String, yaml: String)] = []
  ) throws -> CompiledCluster {
    typealias A = TopologyAddresses
    let nodeArguments =
      [
        "--hostname-override", hostname,
        "--node-ip", A.nodeIPv4, "--node-ip", A.nodeIPv6,
        "--cluster-cidr", A.clusterCIDRs, "--service-cidr", A.serviceCIDRs,
      ] + extraArguments
    var cluster = CompiledCluster(manifests: services.map { ($0.name, $0.yaml) } + otherObjects, nodeArguments: nodeArguments, script: "")
    cluster.script = try cluster.withManifests { dir in
      try Command.run([try PacketTestPaths.kproxyBinary(), "compile", "--manifests", dir] + nodeArguments).check().stdout
    }
    return cluster
  }
}

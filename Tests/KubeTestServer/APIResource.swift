// The resources the test API server serves (core/v1 services, pods, nodes; discovery.k8s.io/v1
// endpointslices; networking.k8s.io/v1 servicecidrs) with the names their URLs and discovery use.

/// One served resource type, e.g. `services` in the core group `v1`.
public struct APIResource: Sendable, Hashable {
  /// Empty for the core group.
  public var group: String
  public var version: String
  /// The plural lower-case name used in URLs, e.g. "services".
  public var name: String
  public var singularName: String
  public var kind: String
  public var namespaced: Bool
  public var shortNames: [String]

  /// "v1" or "discovery.k8s.io/v1".
  public var groupVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

  /// The kind of this resource's lists, e.g. "ServiceList".
  public var listKind: String { kind + "List" }

  public static let services = APIResource(
    group: "", version: "v1", name: "services", singularName: "service", kind: "Service", namespaced: true, shortNames: ["svc"])
  public static let pods = APIResource(
    group: "", version: "v1", name: "pods", singularName: "pod", kind: "Pod", namespaced: true, shortNames: ["po"])
  public static let nodes = APIResource(
    group: "", version: "v1", name: "nodes", singularName: "node", kind: "Node", namespaced: false, shortNames: ["no"])
  public static let endpointSlices = APIResource(
    group: "discovery.k8s.io", version: "v1", name: "endpointslices", singularName: "endpointslice", kind: "EndpointSlice",
    namespaced: true, shortNames: [])
  public static let serviceCIDRs = APIResource(
    group: "networking.k8s.io", version: "v1", name: "servicecidrs", singularName: "servicecidr", kind: "ServiceCIDR",
    namespaced: false, shortNames: [])

  public static let all: [APIResource] = [.services, .pods, .nodes, .endpointSlices, .serviceCIDRs]

  /// The served resource at `groupVersion` named `name`, if any.
  public static func find(groupVersion: String, name: String) -> APIResource? {
    all.first { $0.groupVersion == groupVersion && $0.name == name }
  }

  /// The verbs discovery advertises for every resource.
  static let verbs = ["create", "delete", "get", "list", "patch", "update", "watch"]
}

/// Identity of a stored object: resource, namespace (empty when cluster-scoped) and name.
public struct ObjectKey: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var resource: String
  public var namespace: String
  public var name: String

  public init(resource: String, namespace: String, name: String) {
    self.resource = resource
    self.namespace = namespace
    self.name = name
  }

  public var description: String { namespace.isEmpty ? "\(resource)/\(name)" : "\(resource)/\(namespace)/\(name)" }

  public static func < (a: ObjectKey, b: ObjectKey) -> Bool {
    (a.resource, a.namespace, a.name) < (b.resource, b.namespace, b.name)
  }
}

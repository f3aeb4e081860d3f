// The API resources kproxy lists and watches (Services, EndpointSlices, Pods, Nodes,
// ServiceCIDRs) and the URL paths and query options of a list or watch of one of them.

/// A resource type on the API server, e.g. core/v1 `services`.
public struct KubeResource: Sendable, Hashable, CustomStringConvertible {
  /// Empty for the core group.
  public var group: String
  public var version: String
  /// Plural lower-case name, as in URLs.
  public var name: String
  public var kind: String
  public var namespaced: Bool

  public init(group: String, version: String, name: String, kind: String, namespaced: Bool) {
    self.group = group
    self.version = version
    self.name = name
    self.kind = kind
    self.namespaced = namespaced
  }

  /// "v1", "discovery.k8s.io/v1".
  public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }
  public var description: String { group.isEmpty ? name : "\(name).\(group)" }

  /// `/api/v1/services` or `/apis/GROUP/VERSION/namespaces/NS/NAME`.
  public func path(namespace: String? = nil) -> String {
    var path = group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)"
    if let namespace, namespaced { path += "/namespaces/\(namespace)" }
    return path + "/" + name
  }

  public static let services = KubeResource(group: "", version: "v1", name: "services", kind: "Service", namespaced: true)
  public static let pods = KubeResource(group: "", version: "v1", name: "pods", kind: "Pod", namespaced: true)
  public static let nodes = KubeResource(group: "", version: "v1", name: "nodes", kind: "Node", namespaced: false)
  public static let endpointSlices = KubeResource(
    group: "discovery.k8s.io", version: "v1", name: "endpointslices", kind: "EndpointSlice", namespaced: true)
  public static let serviceCIDRs = KubeResource(
    group: "networking.k8s.io", version: "v1", name: "servicecidrs", kind: "ServiceCIDR", namespaced: false)
}

/// What a list + watch covers and how it pages.
public struct ListWatchOptions: Sendable, Hashable {
  /// nil for all namespaces.
  public var namespace: String?
  /// e.g. "metadata.name=node-1".
  public var fieldSelector: String?
  public var labelSelector: String?
  /// Items per list page (`limit`).
  public var pageSize: Int
  /// `timeoutSeconds` of each watch request; the server ends the watch then and the client reopens it.
  public var watchTimeoutSeconds: Int
  /// A resource the API server may not serve (404 on the list, e.g. ServiceCIDRs before
  /// Kubernetes 1.33): taken as empty and synced, so that it never holds the agent back, and
  /// listed again with backoff in case it appears.
  public var emptyWhenNotServed = false

  public init(
    namespace: String? = nil, fieldSelector: String? = nil, labelSelector: String? = nil, pageSize: Int = 500,
    watchTimeoutSeconds: Int = 300
  ) {
    self.namespace = namespace
    self.fieldSelector = fieldSelector
    self.labelSelector = labelSelector
    self.pageSize = pageSize
    self.watchTimeoutSeconds = watchTimeoutSeconds
  }

  /// The selector query items shared by lists and watches.
  var selectorQuery: [(String, String)] {
    var items: [(String, String)] = []
    if let fieldSelector { items.append(("fieldSelector", fieldSelector)) }
    if let labelSelector { items.append(("labelSelector", labelSelector)) }
    return items
  }
}

// Parses a resource URL: /api/v1[/namespaces/NS]/RESOURCE[/NAME] and
// /apis/GROUP/VERSION[/namespaces/NS]/RESOURCE[/NAME].
import Foundation

/// A request path that names a served resource, a namespace and maybe one object.
struct ResourcePath: Equatable {
  var resource: APIResource
  /// nil for all namespaces (or a cluster-scoped resource).
  var namespace: String?
  var name: String?

  init?(_ path: String) {
    var parts = path.split(separator: "/", omittingEmptySubsequences: true).map { $0.removingPercentEncoding ?? String($0) }
    let groupVersion: String
    if parts.first == "api", parts.count >= 2 {
      groupVersion = parts[1]
      parts.removeFirst(2)
    } else if parts.first == "apis", parts.count >= 3 {
      groupVersion = "\(parts[1])/\(parts[2])"
      parts.removeFirst(3)
    } else {
      return nil
    }
    var namespace: String?
    if parts.count >= 3, parts[0] == "namespaces" {
      namespace = parts[1]
      parts.removeFirst(2)
    }
    guard parts.count == 1 || parts.count == 2, let resource = APIResource.find(groupVersion: groupVersion, name: parts[0]) else {
      return nil
    }
    if namespace != nil && !resource.namespaced { return nil }
    self.resource = resource
    self.namespace = namespace
    self.name = parts.count == 2 ? parts[1] : nil
  }
}

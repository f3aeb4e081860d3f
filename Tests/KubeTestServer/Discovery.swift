// The discovery documents kubectl reads before it touches a resource: /api, /api/v1, /apis,
// /apis/GROUP, /apis/GROUP/VERSION and /version (legacy discovery, plain JSON).

enum Discovery {
  /// The discovery document at `path`, nil when the path is not a discovery path.
  static func document(_ path: String, serverAddress: String) -> [String: Any]? {
    let parts = path.split(separator: "/").map(String.init)
    switch parts.count {
    case 1 where parts[0] == "api":
      return [
        "kind": "APIVersions", "versions": ["v1"],
        "serverAddressByClientCIDRs": [["clientCIDR": "0.0.0.0/0", "serverAddress": serverAddress]],
      ]
    case 1 where parts[0] == "apis":
      return ["kind": "APIGroupList", "apiVersion": "v1", "groups": groups.map(group)]
    case 1 where parts[0] == "version":
      return [
        "major": "1", "minor": "32", "gitVersion": "v1.32.0-kproxy-test", "gitCommit": "", "gitTreeState": "clean",
        "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23", "compiler": "gc", "platform": "linux/amd64",
      ]
    case 2 where parts[0] == "api" && parts[1] == "v1":
      return resourceList("v1")
    case 2 where parts[0] == "apis" && groups.contains(parts[1]):
      return group(parts[1]).merging(["kind": "APIGroup", "apiVersion": "v1"]) { $1 }
    case 3 where parts[0] == "apis" && groups.contains(parts[1]) && parts[2] == "v1":
      return resourceList("\(parts[1])/v1")
    default:
      return nil
    }
  }

  static var groups: [String] {
    var names: [String] = []
    for resource in APIResource.all where !resource.group.isEmpty && !names.contains(resource.group) {
      names.append(resource.group)
    }
    return names
  }

  static func group(_ name: String) -> [String: Any] {
    let version: [String: Any] = ["groupVersion": "\(name)/v1", "version": "v1"]
    return ["name": name, "versions": [version], "preferredVersion": version]
  }

  static func resourceList(_ groupVersion: String) -> [String: Any] {
    let resources: [[String: Any]] = APIResource.all.filter { $0.groupVersion == groupVersion }.map {
      [
        "name": $0.name, "singularName": $0.singularName, "namespaced": $0.namespaced, "kind": $0.kind,
        "verbs": APIResource.verbs, "shortNames": $0.shortNames,
      ]
    }
    return ["kind": "APIResourceList", "apiVersion": "v1", "groupVersion": groupVersion, "resources": resources]
  }
}

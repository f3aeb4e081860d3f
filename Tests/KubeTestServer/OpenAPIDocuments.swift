// The smallest OpenAPI v3 documents kubectl needs: the /openapi/v3 index and, per group version,
// a PATCH operation per kind that lists `fieldValidation`, so kubectl validates on the server.

enum OpenAPIDocuments {
  /// The document at `path` (/openapi/v3 or /openapi/v3/api/v1, /openapi/v3/apis/GROUP/v1), nil otherwise.
  static func document(_ path: String) -> [String: Any]? {
    let groupVersions = Set(APIResource.all.map(\.groupVersion))
    if path == "/openapi/v3" {
      var paths: [String: Any] = [:]
      for groupVersion in groupVersions {
        let prefix = prefix(groupVersion)
        paths[prefix] = ["serverRelativeURL": "/openapi/v3/\(prefix)"]
      }
      return ["paths": paths]
    }
    guard let groupVersion = groupVersions.first(where: { path == "/openapi/v3/" + prefix($0) }) else { return nil }
    var paths: [String: Any] = [:]
    for resource in APIResource.all where resource.groupVersion == groupVersion {
      let namespace = resource.namespaced ? "/namespaces/{namespace}" : ""
      let gvk = ["group": resource.group, "version": resource.version, "kind": resource.kind]
      let parameter: [String: Any] = ["name": "fieldValidation", "in": "query", "schema": ["type": "string"]]
      paths["/\(prefix(groupVersion))\(namespace)/\(resource.name)/{name}"] = [
        "patch": ["x-kubernetes-group-version-kind": gvk, "parameters": [parameter], "responses": [String: Any]()]
      ]
    }
    return ["openapi": "3.0.0", "info": ["title": "Kubernetes", "version": "v1.32.0"], "paths": paths]
  }

  private static func prefix(_ groupVersion: String) -> String {
    groupVersion.contains("/") ? "apis/" + groupVersion : "api/" + groupVersion
  }
}

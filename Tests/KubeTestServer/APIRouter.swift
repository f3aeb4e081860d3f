// Turns one HTTP request into the store operation it asks for and the response to send:
// discovery, get, list (paginated), create, update, merge patch, delete, or the start of a watch.
import Foundation

/// A request as the router sees it.
struct APIRequest {
  var method: String
  var path: String
  var query: [String: String]
  var contentType: String?
  var body: Data
}

/// What to answer.
enum APIResponse {
  case json(code: Int, body: Data)
  /// Start a watch stream on this resource path.
  case watch(ResourcePath, selector: Selector, resourceVersion: Int?, bookmarks: Bool, timeoutSeconds: Int?)
}

struct APIRouter {
  let store: ObjectStore
  let serverAddress: String

  func route(_ request: APIRequest) -> APIResponse {
    do {
      return try routeThrowing(request)
    } catch {
      return .json(code: error.code, body: error.json)
    }
  }

  private func routeThrowing(_ request: APIRequest) throws(APIStatus) -> APIResponse {
    if request.method == "GET", let document = Discovery.document(request.path, serverAddress: serverAddress) {
      return .json(code: 200, body: Self.encode(document))
    }
    if request.method == "GET", let document = OpenAPIDocuments.document(request.path) {
      return .json(code: 200, body: Self.encode(document))
    }
    guard let target = ResourcePath(request.path) else {
      throw APIStatus(code: 404, reason: "NotFound", message: "the server could not find the requested resource")
    }
    let resource = target.resource
    let namespace = target.namespace ?? (resource.namespaced ? "default" : "")
    switch (request.method, target.name) {
    case ("GET", nil):
      let selector = try Selector(labelSelector: request.query["labelSelector"], fieldSelector: request.query["fieldSelector"])
      if let watch = request.query["watch"], watch == "1" || watch == "true" {
        let rv = request.query["resourceVersion"].flatMap { $0.isEmpty ? nil : $0 }
        var from: Int?
        if let rv {
          guard let number = Int(rv) else { throw .badRequest("invalid resourceVersion \(rv)") }
          from = number
        }
        return .watch(
          target, selector: selector, resourceVersion: from, bookmarks: request.query["allowWatchBookmarks"] == "true",
          timeoutSeconds: request.query["timeoutSeconds"].flatMap { Int($0) })
      }
      let limit = request.query["limit"].flatMap { Int($0) }
      let page = try store.list(
        resource, namespace: target.namespace, selector: selector, limit: limit, continueToken: request.query["continue"])
      return .json(code: 200, body: Self.listBody(resource, page))
    case ("GET", let name?):
      return .json(code: 200, body: try store.get(key(resource, namespace, name)).json)
    case ("POST", nil):
      let object = try Self.decode(request.body)
      return .json(code: 201, body: try store.create(resource, namespace: namespace, object: object).json)
    case ("PUT", let name?):
      let object = try Self.decode(request.body)
      return .json(code: 200, body: try store.update(key(resource, namespace, name), resource: resource, object: object).json)
    case ("PATCH", let name?):
      let key = key(resource, namespace, name)
      let patch = try Self.decode(request.body)
      guard request.contentType?.contains("merge-patch") == true else {
        throw APIStatus(code: 415, reason: "UnsupportedMediaType", message: "the patch type is not supported by this test server")
      }
      // Strategic merge patches are applied as JSON merge patches: lists are replaced whole.
      var merged = JSONMergePatch.apply(patch, to: try store.get(key).dictionary)
      if var meta = merged["metadata"] as? [String: Any], patch["metadata"].flatMap({ ($0 as? [String: Any])?["resourceVersion"] }) == nil {
        meta.removeValue(forKey: "resourceVersion")
        merged["metadata"] = meta
      }
      return .json(code: 200, body: try store.update(key, resource: resource, object: merged).json)
    case ("DELETE", let name?):
      return .json(code: 200, body: try store.delete(key(resource, namespace, name), resource: resource).json)
    default:
      throw APIStatus(code: 405, reason: "MethodNotAllowed", message: "\(request.method) is not supported on \(request.path)")
    }
  }

  private func key(_ resource: APIResource, _ namespace: String, _ name: String) -> ObjectKey {
    ObjectKey(resource: resource.name, namespace: resource.namespaced ? namespace : "", name: name)
  }

  static func decode(_ body: Data) throws(APIStatus) -> [String: Any] {
    guard let object = (try? JSONSerialization.jsonObject(with: body)) as? [String: Any] else {
      throw .badRequest("the request body is not a JSON object")
    }
    return object
  }

  static func encode(_ object: [String: Any]) -> Data {
    (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data()
  }

  /// `{"kind":"ServiceList","apiVersion":"v1","metadata":{...},"items":[...]}`, items as stored.
  static func listBody(_ resource: APIResource, _ page: ListPage) -> Data {
    var meta = "{\"resourceVersion\":\"\(page.resourceVersion)\""
    if let token = page.continueToken { meta += ",\"continue\":\"\(token)\"" }
    meta += "}"
    var body = Data("{\"apiVersion\":\"\(resource.groupVersion)\",\"kind\":\"\(resource.listKind)\",\"metadata\":\(meta),\"items\":[".utf8)
    for (index, item) in page.items.enumerated() {
      if index > 0 { body.append(UInt8(ascii: ",")) }
      body.append(item.json)
    }
    body.append(contentsOf: Array("]}".utf8))
    return body
  }
}

/// RFC 7386 JSON merge patch: objects merge recursively, null removes, everything else replaces.
enum JSONMergePatch {
  static func apply(_ patch: [String: Any], to target: [String: Any]) -> [String: Any] {
    var result = target
    for (key, value) in patch {
      if value is NSNull {
        result.removeValue(forKey: key)
      } else if let object = value as? [String: Any] {
        result[key] = apply(object, to: result[key] as? [String: Any] ?? [:])
      } else {
        result[key] = value
      }
    }
    return result
  }
}

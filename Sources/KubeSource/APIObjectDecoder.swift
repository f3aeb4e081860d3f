// Turns list pages and watch events into APIObjects with KubeAPI's APIResponseDecoder (each page
// or event parsed once), so that its validation is the boundary here too; invalid objects are rejected.
import KubeAPI

/// Decodes API objects of one resource; `source` names them in errors, e.g. "watch services".
struct APIObjectDecoder: Sendable {
  let resource: KubeResource

  enum Outcome {
    case object(APIObject)
    case rejected(RejectedObject)
  }

  /// A page of the list: its resourceVersion, continue token and items.
  struct Page {
    var resourceVersion: String
    var continueToken: String?
    var outcomes: [Outcome]
  }

  var type: APIObjectType { APIObjectType(apiVersion: resource.apiVersion, kind: resource.kind, namespaced: resource.namespaced) }

  /// The list page in `body`; nil when it is not a JSON object with an `items` list.
  func decodePage(_ body: [UInt8], source: String) -> Page? {
    guard let page = APIResponseDecoder.decodeListPage(body, as: type, source: source) else { return nil }
    return Page(resourceVersion: page.resourceVersion, continueToken: page.continueToken, outcomes: page.items.map(Self.outcome))
  }

  /// The object of a watch event.
  func decode(_ event: APIWatchEvent, source: String) -> Outcome {
    Self.outcome(event.decodeObject(as: type, source: source))
  }

  private static func outcome(_ item: APIItem) -> Outcome {
    switch item.result {
    case .success(let object): .object(APIObject(object: object, resourceVersion: item.resourceVersion ?? ""))
    case .failure(let error): .rejected(RejectedObject(key: item.key, resourceVersion: item.resourceVersion, error: error))
    }
  }
}

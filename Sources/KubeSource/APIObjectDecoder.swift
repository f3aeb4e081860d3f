// Turns list pages and watch-event objects into APIObjects with the KubeAPI decoder, so that its
// validation is the boundary here too; list items get the list's kind, invalid objects are rejected.
import Foundation
import KubeAPI

/// Decodes API objects of one resource; `source` names them in errors, e.g. "watch services".
struct APIObjectDecoder: Sendable {
  let resource: KubeResource

  enum Outcome {
    case object(APIObject)
    case rejected(RejectedObject)
  }

  /// The object's resourceVersion as the server wrote it.
  static func resourceVersion(_ object: [String: Any]) -> String? {
    (object["metadata"] as? [String: Any])?["resourceVersion"] as? String
  }

  func decode(_ object: [String: Any], source: String) -> Outcome {
    var object = object
    let meta = object["metadata"] as? [String: Any] ?? [:]
    let resourceVersion = meta["resourceVersion"] as? String
    var key: NamespacedName?
    if let name = meta["name"] as? String {
      key = NamespacedName(namespace: resource.namespaced ? meta["namespace"] as? String ?? "" : "", name: name)
    }
    // List items carry no kind; a watch event's object does. Either way this is the resource's kind.
    if object["kind"] == nil { object["kind"] = resource.kind }
    if object["apiVersion"] == nil { object["apiVersion"] = resource.apiVersion }
    let file = key.map { "\(source) \($0)" } ?? source
    func reject(_ error: ManifestError) -> Outcome { .rejected(RejectedObject(key: key, resourceVersion: resourceVersion, error: error)) }
    guard let resourceVersion, !resourceVersion.isEmpty else {
      return reject(ManifestError(file: file, field: "metadata.resourceVersion", message: "missing"))
    }
    guard let data = try? JSONSerialization.data(withJSONObject: object) else {
      return reject(ManifestError(file: file, message: "not a JSON object"))
    }
    do {
      let manifest = try ManifestDecoder.decodeObjects(String(decoding: data, as: UTF8.self), file: source)
      guard let decoded = manifest.objects.first, manifest.objects.count == 1 else {
        return reject(ManifestError(file: file, message: "not a \(resource.kind) of \(resource.apiVersion)"))
      }
      return .object(APIObject(object: decoded.object, resourceVersion: resourceVersion))
    } catch {
      return reject(error)
    }
  }

  /// Decodes a whole list page (`text`, whose parsed items are `items`) in one pass of the KubeAPI
  /// decoder; when that fails (an invalid item), each item alone, so that only the bad ones are rejected.
  func decodePage(_ text: String, items: [[String: Any]], source: String) -> [Outcome] {
    if let manifest = try? ManifestDecoder.decodeObjects(text, file: source), manifest.objects.count == items.count {
      var outcomes: [Outcome] = []
      outcomes.reserveCapacity(items.count)
      for (index, decoded) in manifest.objects.enumerated() {
        guard decoded.item == index, let version = Self.resourceVersion(items[index]), !version.isEmpty else { break }
        outcomes.append(.object(APIObject(object: decoded.object, resourceVersion: version)))
      }
      if outcomes.count == items.count { return outcomes }
    }
    return items.map { decode($0, source: source) }
  }
}

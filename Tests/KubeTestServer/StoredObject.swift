// One object as the store keeps it (JSON bytes with its identity, labels and resourceVersion)
// and one change to it, as history for watches.
import Foundation

/// An object in the store. `json` is the full object, including `metadata.resourceVersion`.
public struct StoredObject: Sendable, Hashable {
  public var key: ObjectKey
  public var resourceVersion: Int
  public var labels: [String: String]
  public var json: Data

  /// The object as a JSON dictionary.
  public var dictionary: [String: Any] {
    (try? JSONSerialization.jsonObject(with: json)) as? [String: Any] ?? [:]
  }
}

/// The kind of a watch event.
public enum WatchEventType: String, Sendable {
  case added = "ADDED", modified = "MODIFIED", deleted = "DELETED", bookmark = "BOOKMARK", error = "ERROR"
}

/// One change in the store's history. `previous` is the object before an update or delete,
/// so that a selector-filtered watch can turn a change that leaves its selector into DELETED.
struct StoreChange: Sendable {
  var type: WatchEventType
  var object: StoredObject
  var previous: StoredObject?
  var resourceVersion: Int { object.resourceVersion }
}

/// One line of a watch stream: `{"type":...,"object":...}` followed by a newline.
func watchEventLine(_ type: WatchEventType, objectJSON: Data) -> Data {
  var line = Data("{\"type\":\"\(type.rawValue)\",\"object\":".utf8)
  line.append(objectJSON)
  line.append(contentsOf: Array("}\n".utf8))
  return line
}

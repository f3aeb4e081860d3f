// A consumer's view of one resource built from its ResourceEvents: objects by key, the synced
// flag, and for each event the keys it really changed (a relist that changed nothing changes none).
import KubeAPI

/// The current objects of one resource as the events say.
public struct ResourceCache: Sendable {
  public private(set) var objects: [NamespacedName: APIObject] = [:]
  public private(set) var isSynced = false

  public init() {}

  /// Applies one event; returns the keys whose object was added, changed or removed.
  @discardableResult
  public mutating func apply(_ event: ResourceEvent) -> Set<NamespacedName> {
    switch event {
    case .replaced(let snapshot, let rejected):
      var next: [NamespacedName: APIObject] = [:]
      for key in rejected { next[key] = objects[key] }
      for object in snapshot { next[object.key] = object }
      var changed = Set(objects.keys.filter { next[$0] == nil })
      for (key, object) in next where objects[key] != object { changed.insert(key) }
      objects = next
      return changed
    case .synced:
      isSynced = true
      return []
    case .added(let object), .modified(let object):
      guard objects[object.key] != object else { return [] }
      objects[object.key] = object
      return [object.key]
    case .deleted(let object):
      return objects.removeValue(forKey: object.key) == nil ? [] : [object.key]
    case .rejected, .interrupted:
      return []
    }
  }
}

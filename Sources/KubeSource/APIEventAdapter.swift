// Feeds one API resource's list + watch events into the object store as one named source
// ("api:services"): snapshots replace its set, and rejected objects keep their last valid version.
import KubeAPI

extension KubeObjectStore {
  /// The conventional source name of an API resource, e.g. "api:services".
  public static func apiSourceName(_ resource: String) -> String { "api:\(resource)" }

  /// Applies one event of the source's list + watch; returns the real changes. A snapshot
  /// replaces the source's objects except those listed as rejected, which keep what the store
  /// had; `rejected` events change nothing (the last valid version stays), nor do interruptions.
  public mutating func apply(_ event: ResourceEvent, from source: String) -> [ObjectChange] {
    switch event {
    case .replaced(let snapshot, let rejected):
      var next = snapshot
      if !rejected.isEmpty {
        let listed = Set(snapshot.map(\.key))
        next += objects(of: source).filter { rejected.contains($0.key) && !listed.contains($0.key) }
      }
      return replace(source: source, with: next)
    case .synced:
      markSynced(source: source)
      return []
    case .added(let object), .modified(let object):
      return upsert(source: source, object: object)
    case .deleted(let object):
      return delete(source: source, kind: object.object.kind, key: object.key)
    case .rejected, .interrupted:
      register(source: source)
      return []
    }
  }
}

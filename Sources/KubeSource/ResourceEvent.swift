// What a list + watch of one resource delivers: complete snapshots (initial list, relists), the
// synced signal, single changes, objects rejected by validation, and interruptions being retried.
import KubeAPI

/// A decoded object with the resourceVersion the server gave it.
public struct APIObject: Sendable, Hashable {
  public var object: KubeObject
  /// Opaque to clients (compare for equality only); the store's counter on the test server.
  public var resourceVersion: String

  public init(object: KubeObject, resourceVersion: String) {
    self.object = object
    self.resourceVersion = resourceVersion
  }

  public var key: NamespacedName { object.meta.key }
}

/// An object the server sent that failed decoding or validation: skipped, and reported.
public struct RejectedObject: Sendable, Equatable, CustomStringConvertible {
  /// From the object's metadata, when it has one.
  public var key: NamespacedName?
  public var resourceVersion: String?
  public var error: ManifestError

  public var description: String { error.description }
}

/// One event of a resource's list + watch.
public enum ResourceEvent: Sendable, Equatable {
  /// The complete set of valid objects, from the initial list or a relist: it replaces everything
  /// the consumer holds for this resource (objects missing from it are gone), except the keys in
  /// `rejected`: listed but invalid, for which the consumer keeps what it had (each is also
  /// reported by a `rejected` event that follows).
  case replaced([APIObject], rejected: Set<NamespacedName>)
  /// Sent once, right after the first `replaced`: the initial list is complete.
  case synced
  case added(APIObject)
  case modified(APIObject)
  case deleted(APIObject)
  /// An object that failed validation; the consumer keeps what it had for that key.
  case rejected(RejectedObject)
  /// A list or watch failed and will be retried after `retryDelay` seconds (or relisted when
  /// `relist` is set); for logs and metrics, nothing to apply.
  case interrupted(reason: String, retryDelay: Double, relist: Bool)
}

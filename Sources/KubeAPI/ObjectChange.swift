// One real change to the set of objects kproxy reads, as the object store reports it and the
// change trackers consume it: the object before and after (nil when absent).

/// An object that appeared (`old` nil), changed, or disappeared (`new` nil). The store never
/// reports an update whose decoded content is unchanged.
public struct ObjectChange: Sendable, Hashable {
  /// The Kubernetes kind, e.g. "Service" (`KubeObject.kind`).
  public var kind: String
  public var key: NamespacedName
  public var old: KubeObject?
  public var new: KubeObject?

  public init(kind: String, key: NamespacedName, old: KubeObject?, new: KubeObject?) {
    self.kind = kind
    self.key = key
    self.old = old
    self.new = new
  }
}

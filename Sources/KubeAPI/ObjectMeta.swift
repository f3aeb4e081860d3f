// Object metadata shared by every kind, and the namespace/name key objects are indexed by.

/// `namespace/name` of a namespaced object (namespace empty for cluster-scoped kinds).
public struct NamespacedName: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var namespace: String
  public var name: String
  public init(namespace: String, name: String) {
    self.namespace = namespace
    self.name = name
  }
  public var description: String { namespace.isEmpty ? name : "\(namespace)/\(name)" }
  public static func < (a: NamespacedName, b: NamespacedName) -> Bool {
    (a.namespace, a.name) < (b.namespace, b.name)
  }
}

/// The parts of `metadata` kproxy reads.
public struct ObjectMeta: Sendable, Hashable {
  public var name: String
  /// "default" when a namespaced object omits it; empty for cluster-scoped kinds.
  public var namespace: String
  public var labels: [String: String]
  public var annotations: [String: String]
  /// RFC 3339 text of `metadata.deletionTimestamp`, nil when not being deleted.
  public var deletionTimestamp: String?

  public init(
    name: String, namespace: String = "", labels: [String: String] = [:], annotations: [String: String] = [:],
    deletionTimestamp: String? = nil
  ) {
    self.name = name
    self.namespace = namespace
    self.labels = labels
    self.annotations = annotations
    self.deletionTimestamp = deletionTimestamp
  }

  public var key: NamespacedName { NamespacedName(namespace: namespace, name: name) }
}

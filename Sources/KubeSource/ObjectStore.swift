// The keyed store of every object kproxy reads, fed by named sources (manifest files, API
// resources): one owner per identity, duplicates reported, and only real changes returned.
import KubeAPI

/// Every object of every source, by identity (kind, namespace, name). Each source replaces its
/// whole set, adds, modifies or deletes one object, and says when it has synced. The same
/// identity defined by two sources belongs to the first that defined it; the conflict is
/// reported once, and when the owner drops the object the next source's object takes over.
/// Every operation returns the changes to the effective objects: an update whose decoded
/// content is unchanged (status or managedFields only, a relist or resync echo) returns none.
public struct KubeObjectStore: Sendable {
  struct Identity: Hashable, Comparable {
    var kind: String
    var key: NamespacedName
    static func < (a: Self, b: Self) -> Bool { (a.kind, a.key) < (b.kind, b.key) }
  }

  struct Source: Sendable {
    var objects: [Identity: APIObject] = [:]
    var isSynced = false
  }

  private var sources: [String: Source] = [:]
  /// For each identity, the sources that define it, in the order they defined it: the first owns it.
  private var claims: [Identity: [String]] = [:]
  private var conflicts: [String] = []

  public init() {}

  /// True when every registered source has synced (and at least one is registered): nothing may
  /// be programmed into the kernel before.
  public var isSynced: Bool { !sources.isEmpty && sources.values.allSatisfy(\.isSynced) }

  /// The registered sources' names, sorted.
  public var sourceNames: [String] { sources.keys.sorted() }

  /// Registers a source that must sync before the store is synced. Operations on an unknown
  /// source register it too.
  public mutating func register(source: String) {
    if sources[source] == nil { sources[source] = Source() }
  }

  /// The source has delivered its initial contents.
  public mutating func markSynced(source: String) {
    sources[source, default: Source()].isSynced = true
  }

  /// Removes a source and its objects (e.g. a deleted manifest file); it no longer counts for
  /// `isSynced`.
  public mutating func remove(source: String) -> [ObjectChange] {
    let changes = replace(source: source, with: [])
    sources[source] = nil
    return changes
  }

  /// Replaces everything `source` defines with `objects` (an initial list, a relist, a re-read file).
  public mutating func replace(source: String, with objects: [APIObject]) -> [ObjectChange] {
    var next: [Identity: APIObject] = [:]
    for object in objects { next[Self.identity(of: object.object)] = object }
    let previous = sources[source, default: Source()].objects
    var touched = Set(previous.keys.filter { next[$0] == nil })
    for (identity, object) in next {
      guard let old = previous[identity] else {
        touched.insert(identity)
        continue
      }
      // The same non-empty resourceVersion is the same object (the API server's promise).
      if !old.resourceVersion.isEmpty, old.resourceVersion == object.resourceVersion { continue }
      if old != object { touched.insert(identity) }
    }
    return update(source: source, identities: touched.sorted()) { current in
      current.objects = next
    }
  }

  /// Adds or modifies one object of `source`.
  public mutating func upsert(source: String, object: APIObject) -> [ObjectChange] {
    let identity = Self.identity(of: object.object)
    return update(source: source, identities: [identity]) { $0.objects[identity] = object }
  }

  /// Deletes one object of `source`; nothing happens if the source does not define it.
  public mutating func delete(source: String, kind: String, key: NamespacedName) -> [ObjectChange] {
    let identity = Identity(kind: kind, key: key)
    return update(source: source, identities: [identity]) { $0.objects[identity] = nil }
  }

  /// The effective object of an identity (the owner's), with its resourceVersion.
  public func object(kind: String, key: NamespacedName) -> APIObject? {
    effective(Identity(kind: kind, key: key))
  }

  /// The objects `source` defines (owned or not).
  public func objects(of source: String) -> [APIObject] {
    (sources[source]?.objects ?? [:]).sorted { $0.key < $1.key }.map(\.value)
  }

  /// Every effective object, each kind sorted by namespace/name: the input of a full reconcile.
  public var objectSet: ObjectSet {
    var set = ObjectSet()
    for identity in claims.keys.sorted() {
      if let object = effective(identity) { set.append(object.object) }
    }
    return set
  }

  /// The duplicate definitions found since the last call, one line each naming both places.
  public mutating func takeConflicts() -> [String] {
    defer { conflicts = [] }
    return conflicts
  }

  // MARK: - Internals

  static func identity(of object: KubeObject) -> Identity { Identity(kind: object.kind, key: object.meta.key) }

  private func effective(_ identity: Identity) -> APIObject? {
    guard let owner = claims[identity]?.first else { return nil }
    return sources[owner]?.objects[identity]
  }

  /// Applies `body` to the source's state, then updates the claims of `identities` and returns
  /// the changes of their effective objects.
  private mutating func update(source: String, identities: [Identity], _ body: (inout Source) -> Void) -> [ObjectChange] {
    let before = identities.map { effective($0) }
    body(&sources[source, default: Source()])
    var changes: [ObjectChange] = []
    for (identity, old) in zip(identities, before) {
      let defines = sources[source]?.objects[identity] != nil
      var claimants = claims[identity] ?? []
      if defines, !claimants.contains(source) {
        if let owner = claimants.first {
          conflicts.append(
            "duplicate \(identity.kind) \(identity.key): defined by \(owner) and by \(source); \(owner)'s is used")
        }
        claimants.append(source)
      } else if !defines, let index = claimants.firstIndex(of: source) {
        claimants.remove(at: index)
      }
      claims[identity] = claimants.isEmpty ? nil : claimants
      let new = effective(identity)
      if old?.object != new?.object {
        changes.append(ObjectChange(kind: identity.kind, key: identity.key, old: old?.object, new: new?.object))
      }
    }
    return changes
  }
}

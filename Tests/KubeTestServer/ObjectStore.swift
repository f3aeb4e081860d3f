// The test API server's in-memory store: objects by key, one global resourceVersion counter,
// the history of changes since the compaction point, sorted listings for continue tokens, watchers.
import Foundation

/// Thread-safe store. Every mutation takes the next resourceVersion and is handed to the matching
/// watchers under the same lock, so each watcher sees changes in resourceVersion order.
public final class ObjectStore: @unchecked Sendable {
  private let lock = NSLock()
  private var objects: [ObjectKey: StoredObject] = [:]
  private var resourceVersion: Int
  /// Changes with resourceVersion > compactedThrough, oldest first.
  private var history: [StoreChange] = []
  private var compactedThrough: Int
  /// The sorted results of lists that have more pages, by listing id, for their continue tokens.
  private var listings: [Int: (resourceVersion: Int, items: [StoredObject])] = [:]
  private var nextListingID = 0
  private var watchers: [Int: WatchSubscription] = [:]
  private var nextWatcherID = 0
  private var uidCounter = 0

  public init(firstResourceVersion: Int = 1000) {
    resourceVersion = firstResourceVersion
    compactedThrough = firstResourceVersion
  }

  /// The latest resourceVersion handed out.
  public var currentResourceVersion: Int { lock.withLock { resourceVersion } }
  /// Watches from a resourceVersion below this one get 410 Gone.
  public var oldestWatchableResourceVersion: Int { lock.withLock { compactedThrough } }

  /// All objects of a resource, sorted by key.
  public func objects(of resource: APIResource) -> [StoredObject] {
    lock.withLock { objects.values.filter { $0.key.resource == resource.name }.sorted { $0.key < $1.key } }
  }

  public func get(_ key: ObjectKey) throws(APIStatus) -> StoredObject {
    let found = lock.withLock { objects[key] }
    guard let found else { throw .notFound(key) }
    return found
  }

  /// Creates an object (409 AlreadyExists if the key is taken); sets uid, creationTimestamp, resourceVersion.
  @discardableResult
  public func create(_ resource: APIResource, namespace: String, object: [String: Any]) throws(APIStatus) -> StoredObject {
    var object = object
    var meta = object["metadata"] as? [String: Any] ?? [:]
    var name = meta["name"] as? String ?? ""
    if name.isEmpty, let prefix = meta["generateName"] as? String, !prefix.isEmpty {
      name = prefix + String(UInt32.random(in: 0..<UInt32.max), radix: 36)
    }
    guard !name.isEmpty else { throw .badRequest("name or generateName is required") }
    let key = ObjectKey(resource: resource.name, namespace: resource.namespaced ? namespace : "", name: name)
    return try mutate { () throws(APIStatus) -> (StoreChange, Bool) in
      guard objects[key] == nil else { throw .alreadyExists(key) }
      uidCounter += 1
      meta["name"] = name
      meta["uid"] = String(format: "00000000-0000-4000-8000-%012d", uidCounter)
      meta["creationTimestamp"] = Self.timestamp()
      object["metadata"] = meta
      return (StoreChange(type: .added, object: try stored(key, resource, object), previous: nil), true)
    }.object
  }

  /// Replaces an object. A `metadata.resourceVersion` in `object` must equal the stored one (409 Conflict).
  @discardableResult
  public func update(_ key: ObjectKey, resource: APIResource, object: [String: Any]) throws(APIStatus) -> StoredObject {
    var object = object
    return try mutate { () throws(APIStatus) -> (StoreChange, Bool) in
      guard let previous = objects[key] else { throw .notFound(key) }
      var meta = object["metadata"] as? [String: Any] ?? [:]
      if let given = meta["resourceVersion"] as? String, !given.isEmpty, given != String(previous.resourceVersion) {
        throw .conflict(key)
      }
      let old = previous.dictionary["metadata"] as? [String: Any] ?? [:]
      meta["uid"] = old["uid"]
      meta["creationTimestamp"] = old["creationTimestamp"]
      meta["name"] = key.name
      object["metadata"] = meta
      return (StoreChange(type: .modified, object: try stored(key, resource, object), previous: previous), true)
    }.object
  }

  /// Deletes an object and returns it as it was, with the deletion's resourceVersion.
  @discardableResult
  public func delete(_ key: ObjectKey, resource: APIResource) throws(APIStatus) -> StoredObject {
    try mutate { () throws(APIStatus) -> (StoreChange, Bool) in
      guard let previous = objects[key] else { throw .notFound(key) }
      let object = try stored(key, resource, previous.dictionary)
      return (StoreChange(type: .deleted, object: object, previous: previous), false)
    }.object
  }

  /// Forgets the history up to now: watches and continue tokens from before get 410. With
  /// `afterUnrelatedWrite`, the resourceVersion first moves on by one (as a write to a resource
  /// this server does not serve would move it), so that even the latest list's continue token expires.
  public func compact(afterUnrelatedWrite: Bool = false) {
    lock.withLock {
      if afterUnrelatedWrite { resourceVersion += 1 }
      compactedThrough = resourceVersion
      history.removeAll()
      listings = listings.filter { $0.value.resourceVersion >= compactedThrough }
    }
  }

  /// Runs one change under the lock: assigns it the next resourceVersion (inside `stored`),
  /// applies it, records it and hands it to the watchers.
  private func mutate(_ body: () throws(APIStatus) -> (StoreChange, Bool)) throws(APIStatus) -> StoreChange {
    lock.lock()
    defer { lock.unlock() }
    let (change, keep) = try body()
    objects[change.object.key] = keep ? change.object : nil
    history.append(change)
    for watcher in watchers.values { watcher.offer(change) }
    return change
  }

  /// Takes the next resourceVersion and serializes the object with it. Called under the lock.
  private func stored(_ key: ObjectKey, _ resource: APIResource, _ object: [String: Any]) throws(APIStatus) -> StoredObject {
    resourceVersion += 1
    var object = object
    var meta = object["metadata"] as? [String: Any] ?? [:]
    meta["resourceVersion"] = String(resourceVersion)
    if resource.namespaced { meta["namespace"] = key.namespace } else { meta.removeValue(forKey: "namespace") }
    object["metadata"] = meta
    object["kind"] = resource.kind
    object["apiVersion"] = resource.groupVersion
    guard let json = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) else {
      throw .badRequest("object is not valid JSON")
    }
    let labels = (meta["labels"] as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    return StoredObject(key: key, resourceVersion: resourceVersion, labels: labels, json: json)
  }

  static func timestamp() -> String {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime]
    return formatter.string(from: Date())
  }

  // MARK: lists and watches

  /// One page of a list: the first `limit` items, or those after the continue token's offset in
  /// the listing it names (sorted once, as it was at the list's resourceVersion).
  func list(_ resource: APIResource, namespace: String?, selector: Selector, limit: Int?, continueToken: String?) throws(APIStatus)
    -> ListPage
  {
    lock.lock()
    defer { lock.unlock() }
    var listRV = resourceVersion
    var all: [StoredObject]
    var offset = 0
    var listingID: Int
    if let continueToken, !continueToken.isEmpty {
      guard let token = ContinueToken(text: continueToken) else { throw .badRequest("invalid continue token") }
      guard token.resourceVersion >= compactedThrough, let listing = listings[token.listingID] else { throw .expiredContinue }
      listRV = listing.resourceVersion
      all = listing.items
      offset = min(token.offset, all.count)
      listingID = token.listingID
    } else {
      all = objects.values.filter {
        $0.key.resource == resource.name && (namespace == nil || $0.key.namespace == namespace) && selector.matches($0)
      }
      all.sort { $0.key < $1.key }
      nextListingID += 1
      listingID = nextListingID
    }
    let end = limit.map { $0 > 0 ? min(offset + $0, all.count) : all.count } ?? all.count
    var next: String?
    if end < all.count {
      listings[listingID] = (listRV, all)
      next = ContinueToken(resourceVersion: listRV, listingID: listingID, offset: end).text
    } else {
      listings.removeValue(forKey: listingID)
    }
    return ListPage(items: Array(all[offset..<end]), resourceVersion: listRV, continueToken: next)
  }

  /// Registers a watcher and returns the events it must send first: the changes after
  /// `resourceVersion`, or, without one, ADDED for every current object. 410 when compacted past it.
  func watch(
    _ resource: APIResource, namespace: String?, selector: Selector, from resourceVersion: Int?, subscription: WatchSubscription
  ) throws(APIStatus) -> Int {
    lock.lock()
    defer { lock.unlock() }
    if let resourceVersion, resourceVersion > 0 {
      guard resourceVersion >= compactedThrough else { throw .tooOld(resourceVersion, oldest: compactedThrough) }
      for change in history where change.resourceVersion > resourceVersion { subscription.offer(change) }
    } else {
      let current = objects.values.filter { $0.key.resource == resource.name }.sorted { $0.key < $1.key }
      for object in current { subscription.offer(StoreChange(type: .added, object: object, previous: nil)) }
    }
    nextWatcherID += 1
    watchers[nextWatcherID] = subscription
    return nextWatcherID
  }

  func unwatch(_ id: Int) { _ = lock.withLock { watchers.removeValue(forKey: id) } }

  /// Every open watch subscription (for fault injection and bookmarks).
  var subscriptions: [WatchSubscription] { lock.withLock { Array(watchers.values) } }

  /// Sends a BOOKMARK at the current resourceVersion to every watcher that asked for bookmarks.
  public func sendBookmarks() {
    lock.withLock { for watcher in watchers.values { watcher.bookmark(at: resourceVersion) } }
  }
}

/// One page of a list response.
struct ListPage {
  var items: [StoredObject]
  var resourceVersion: Int
  var continueToken: String?
}

/// A list's resourceVersion, its listing id and the offset of the next page: base64 of "RV/ID/OFFSET".
struct ContinueToken {
  var resourceVersion: Int
  var listingID: Int
  var offset: Int

  init(resourceVersion: Int, listingID: Int, offset: Int) {
    self.resourceVersion = resourceVersion
    self.listingID = listingID
    self.offset = offset
  }

  init?(text: String) {
    guard let data = Data(base64Encoded: text), let plain = String(data: data, encoding: .utf8) else { return nil }
    let parts = plain.split(separator: "/").compactMap { Int($0) }
    guard parts.count == 3 else { return nil }
    (resourceVersion, listingID, offset) = (parts[0], parts[1], parts[2])
  }

  var text: String { Data("\(resourceVersion)/\(listingID)/\(offset)".utf8).base64EncodedString() }
}

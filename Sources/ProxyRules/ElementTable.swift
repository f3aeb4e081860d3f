// Accumulates the elements of one shared set or map, keeping the first element for a key
// and reporting later conflicting ones (e.g. two services claiming one externalIP:port).
import NFTables
import ServiceProxy

struct ElementTable<Key: Hashable> {
  private(set) var elements: [Element] = []
  /// Who added each element (parallel to `elements`), for conflict warnings.
  private var owners: [ServicePortName?] = []
  private var indexByKey: [Key: Int32] = [:]

  init(capacity: Int = 0) {
    elements.reserveCapacity(capacity)
    owners.reserveCapacity(capacity)
    indexByKey.reserveCapacity(capacity)
  }

  /// Adds `element` under `key`; returns the earlier owner if the key was already taken
  /// with other data (the earlier element stays).
  @discardableResult
  mutating func add(_ key: Key, _ element: Element, owner: ServicePortName?) -> ServicePortName?? {
    if let existing = indexByKey[key] {
      if elements[Int(existing)].data == element.data { return nil }
      return .some(owners[Int(existing)])
    }
    indexByKey[key] = Int32(elements.count)
    elements.append(element)
    owners.append(owner)
    return nil
  }
}

/// `address . protocol . port`: the key of the dispatch and no-endpoint maps.
struct ServiceKey: Hashable {
  var ip: IPAddressKey
  var proto: UInt8
  var port: UInt16
}

/// `protocol . port`: the key of the NodePort maps.
struct PortKey: Hashable {
  var proto: UInt8
  var port: UInt16
}

/// An address as two integers (cheaper to hash than the enum).
struct IPAddressKey: Hashable {
  var high: UInt64
  var low: UInt64
}

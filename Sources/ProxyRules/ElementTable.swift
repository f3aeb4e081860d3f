// Accumulates the elements of one shared set or map, keeping the first element for a key
// and reporting later conflicting ones (e.g. two services claiming one externalIP:port).
import NFTables
import ServiceProxy

struct ElementTable {
  private(set) var elements: [Element] = []
  private var owners: [[Value]: (index: Int, owner: ServicePortName?)] = [:]

  /// Adds `element`; returns the earlier owner if the key was already taken with other data.
  @discardableResult
  mutating func add(_ element: Element, owner: ServicePortName?) -> ServicePortName?? {
    if let existing = owners[element.key] {
      if elements[existing.index].data == element.data { return nil }
      return .some(existing.owner)
    }
    owners[element.key] = (elements.count, owner)
    elements.append(element)
    return nil
  }
}

// The flat tape JSONParser writes: every value one fixed-size entry in document order (a container
// right before its children), strings, keys and numbers kept as byte ranges of the text, so that
// reading a field neither allocates nor counts references; FieldReader walks it by index.

/// One value of a JSONTape, with the key it has in its object (if any).
struct TapeEntry {
  enum Kind: UInt8 {
    case null, `false`, `true`, number, string, array, object
  }

  var kind: Kind
  /// The key's bytes are in `JSONTape.unescaped` (it had escapes), else in `JSONTape.bytes`.
  var keyUnescaped: Bool
  /// The string's bytes are in `JSONTape.unescaped` (it had escapes), else in `JSONTape.bytes`.
  var valueUnescaped: Bool
  /// The key's byte range (members of objects only).
  var keyStart: Int32
  var keyLength: Int32
  /// Strings and numbers: the byte range of the text (strings without quotes); containers: `start`
  /// is the number of children.
  var start: Int32
  var length: Int32
  /// The index of the entry after this value and all its children (its next sibling).
  var next: Int32
}

/// The parsed values of one JSON document (one value, or several of a JSON stream).
final class JSONTape {
  let entries: [TapeEntry]
  /// The UTF-8 text the ranges refer to.
  let bytes: [UInt8]
  /// The decoded text of strings and keys that had escapes.
  let unescaped: [UInt8]
  /// The index of each top-level value, in document order.
  let roots: [Int]
  /// The document's walk budget (see WalkBudget), shared by all its values.
  let budget: WalkBudget
  /// When the text is one JSON value (`roots.count == 1`), no estimate of NestingDepthBound for it
  /// exceeds this: 2 × the widest line indentation + 1 (a `---` on the first line) + 2 + the
  /// deepest nesting. (Scanning it as YAML, every string is quoted and every bracket opens or
  /// closes a flow collection; no `- `, `? ` or `: ` counts outside one.) Not for JSON streams:
  /// NestingDepthBound reads the values after the first as YAML plain text.
  let depthEstimateBound: Int

  init(entries: [TapeEntry], bytes: [UInt8], unescaped: [UInt8], roots: [Int], budget: WalkBudget, depthEstimateBound: Int) {
    self.entries = entries
    self.bytes = bytes
    self.unescaped = unescaped
    self.roots = roots
    self.budget = budget
    self.depthEstimateBound = depthEstimateBound
  }

  subscript(index: Int) -> TapeEntry { entries[index] }

  /// The first child of the container at `index` (valid when it has children).
  static func firstChild(_ index: Int) -> Int { index + 1 }

  /// The string value at `index`.
  func string(_ index: Int) -> String {
    let entry = entries[index]
    if entry.valueUnescaped { return Self.text(unescaped, Int(entry.start), Int(entry.length)) }
    return Self.text(bytes, Int(entry.start), Int(entry.length))
  }

  /// The text of the number at `index`, as written.
  func numberText(_ index: Int) -> String { Self.text(bytes, Int(entries[index].start), Int(entries[index].length)) }

  /// The key of the member at `index`.
  func key(_ index: Int) -> String {
    let entry = entries[index]
    return Self.text(entry.keyUnescaped ? unescaped : bytes, Int(entry.keyStart), Int(entry.keyLength))
  }

  private static func text(_ storage: [UInt8], _ start: Int, _ length: Int) -> String {
    // Decoding from the contiguous bytes in place copies once and takes no slice (no reference count).
    storage.withContiguousStorageIfAvailable { String(decoding: $0[start..<(start + length)], as: UTF8.self) }
      ?? String(decoding: storage[start..<(start + length)], as: UTF8.self)
  }

  /// True when the member at `index` has the key `key`; compares bytes, creates no String.
  @inline(__always)
  func keyEquals(_ index: Int, _ key: String) -> Bool {
    let entry = entries[index]
    return key.utf8.withContiguousStorageIfAvailable { wanted in
      guard wanted.count == Int(entry.keyLength) else { return false }
      var offset = Int(entry.keyStart)
      if entry.keyUnescaped {
        for byte in wanted {
          guard unescaped[offset] == byte else { return false }
          offset += 1
        }
      } else {
        for byte in wanted {
          guard bytes[offset] == byte else { return false }
          offset += 1
        }
      }
      return true
    } ?? (key.utf8.count == Int(entry.keyLength) && key.utf8.elementsEqual(self.key(index).utf8))
  }

  /// True when the members at `a` and `b` have the same key.
  func sameKey(_ a: Int, _ b: Int) -> Bool {
    let first = entries[a]
    let second = entries[b]
    guard first.keyLength == second.keyLength else { return false }
    let firstStorage = first.keyUnescaped ? unescaped : bytes
    let secondStorage = second.keyUnescaped ? unescaped : bytes
    let firstSpan = firstStorage.span
    let secondSpan = secondStorage.span
    for offset in 0..<Int(first.keyLength)
    where firstSpan[Int(first.keyStart) + offset] != secondSpan[Int(second.keyStart) + offset] {
      return false
    }
    return true
  }

  // MARK: Paths, for error messages only

  /// The container holding `index` and the position of `index` in it, below `root` (a value
  /// holding `index`; -1: the top-level value holding it); nil for `root` itself.
  func parent(of index: Int, from root: Int = -1) -> (container: Int, position: Int)? {
    var container = root >= 0 ? root : topLevelValue(holding: index)
    guard container != index else { return nil }
    while true {
      var child = Self.firstChild(container)
      var position = 0
      while Int(entries[child].next) <= index {
        child = Int(entries[child].next)
        position += 1
      }
      if child == index { return (container, position) }
      container = child
    }
  }

  /// The top-level value that holds `index`: the last root at or before it.
  private func topLevelValue(holding index: Int) -> Int {
    var low = 0
    var high = roots.count - 1
    while low < high {
      let middle = (low + high + 1) / 2
      if roots[middle] <= index { low = middle } else { high = middle - 1 }
    }
    return roots[low]
  }

  /// The field path of the value at `index` from `root` (-1: its top-level value), e.g. `spec.ports[1].port`
  /// (members as `.key`, elements as `[i]`), as FieldPath spells it.
  func path(of index: Int, from root: Int = -1) -> String {
    guard let (container, position) = parent(of: index, from: root) else { return "" }
    let parentPath = path(of: container, from: root)
    if entries[container].kind == .object { return FieldPath.keyPath(parentPath, key(index)) }
    return "\(parentPath)[\(position)]"
  }
}

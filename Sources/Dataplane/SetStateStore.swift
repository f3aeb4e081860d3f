// What kproxy knows of its big sets between runs: after each of its commits, the elements of
// the sets too large to read back, with the generation that commit produced, in one file per
// network namespace; used only while the kernel is still at that generation in that namespace.
import Foundation
import NFTNetlink
import NFTables

/// Which network namespace a state file describes: `inode` names the file, `bootID` and
/// `cookie` (checked against the file's) tell a reused inode or a reboot.
public struct NamespaceIdentity: Sendable, Hashable {
  public var bootID: String
  public var cookie: UInt64
  public var inode: UInt64
  public init(bootID: String, cookie: UInt64, inode: UInt64) {
    self.bootID = bootID
    self.cookie = cookie
    self.inode = inode
  }

  /// This boot's id, nil when the kernel does not tell it (then no state file is used).
  public static func currentBootID() -> String? {
    guard let s = try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8) else { return nil }
    let id = s.trimmingCharacters(in: .whitespacesAndNewlines)
    return id.isEmpty ? nil : id
  }
}

/// The folder of set state files (`--state-dir`; /run/kproxy by default).
public struct SetStateStore: Sendable {
  public static let defaultDirectory = "/run/kproxy"
  public let directory: String

  public init(directory: String = SetStateStore.defaultDirectory) { self.directory = directory }

  /// What a look-up found: the sets, exactly as the kernel holds them, or why not.
  public enum Lookup: Sendable, Equatable {
    case exact([TableRef: [String: [Element]]])
    /// No file for this namespace.
    case missing
    /// A file for another namespace or boot, or another generation: someone else committed
    /// since, or kproxy did without writing the file.
    case stale(String)
    /// Unreadable or damaged.
    case corrupt(String)

    public var sets: [TableRef: [String: [Element]]]? {
      if case .exact(let s) = self { return s }
      return nil
    }
  }

  public func path(for id: NamespaceIdentity) -> String { "\(directory)/netns-\(id.inode).sets" }

  /// The file's sets if it describes `id` at `generation`.
  public func lookup(_ id: NamespaceIdentity, generation: UInt32) -> Lookup {
    let path = path(for: id)
    guard let data = FileManager.default.contents(atPath: path) else { return .missing }
    let state: SetState
    do {
      state = try SetStateCoding.decode([UInt8](data))
    } catch {
      return .corrupt("\(path): \(error)")
    }
    guard state.bootID == id.bootID, state.namespaceCookie == id.cookie else { return .stale("\(path) is from another namespace or boot") }
    guard state.generation == generation else {
      return .stale("\(path) holds generation \(state.generation), the kernel is at \(generation)")
    }
    return .exact(state.tables)
  }

  /// Replaces the namespace's file (written aside, then renamed: a reader sees the old file
  /// or the new one, whole).
  public func save(_ state: SetState, inode: UInt64) throws {
    try save(encoded: SetStateCoding.encode(state), inode: inode)
  }

  /// As `save(_:inode:)`, for bytes `SetStateCoding` encoded.
  public func save(encoded bytes: [UInt8], inode: UInt64) throws {
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    let path = "\(directory)/netns-\(inode).sets"
    let temporary = "\(path).\(getpid()).tmp"
    try SetStateCoding.write(encoded: bytes, to: temporary)
    guard rename(temporary, path) == 0 else {
      let e = errno
      unlink(temporary)
      throw SetStateFormatError(reason: "cannot rename \(temporary) to \(path): \(String(cString: strerror(e)))")
    }
  }

  /// Moves the namespace's file to `generation` (after a commit that changed none of kproxy's
  /// sets, checked against the file's generation); removes it if it cannot be rewritten.
  public func advance(_ id: NamespaceIdentity, to generation: UInt32) {
    let path = path(for: id)
    guard let data = FileManager.default.contents(atPath: path), var state = try? SetStateCoding.decode([UInt8](data)) else {
      return remove(inode: id.inode)
    }
    state.generation = generation
    do { try save(state, inode: id.inode) } catch { remove(inode: id.inode) }
  }

  /// Removes the namespace's file, if any.
  public func remove(inode: UInt64) {
    unlink("\(directory)/netns-\(inode).sets")
  }

  /// The sets of `desired` a read-back leaves unread (more than `limit` elements, not
  /// dynamic): the ones a state file records.
  public static func recorded(_ desired: Ruleset, limit: Int) -> [TableRef: [String: [Element]]] {
    var out: [TableRef: [String: [Element]]] = [:]
    for t in desired.tables {
      for s in t.sets where s.elements.count > limit && !s.flags.contains(.dynamic) {
        out[t.ref, default: [:]][s.name] = s.elements
      }
    }
    return out
  }

  /// What the diff is computed between once a state file filled in the elements of big sets.
  public struct Filled {
    /// The read-back with the file's elements in its unread sets, trimmed (below).
    public var current: Ruleset
    /// The desired ruleset with the same sets trimmed: only for computing the difference.
    public var target: Ruleset
    /// The sets that stay unread (the file does not know them): flushed and refilled.
    public var unread: UnreadElements
    /// The sets trimmed, per table.
    public var trimmed: [TableRef: Set<String>]
  }

  /// Fills `current`'s unread sets with the elements `known` holds for them. A set of half a
  /// million elements differs from its last version in a few, at the same places: the elements
  /// both versions hold at the same positions from the start and from the end are left out of
  /// both sides (`Filled.target` is for the diff only), so that the diff hashes only the rest.
  /// Keys are unique within a set, so an element in the common part is neither removed nor
  /// added. Sets whose declaration differs between kernel and desired ruleset are not
  /// trimmed (they are declared anew with all their elements).
  public static func fill(
    _ current: Ruleset, desired: Ruleset, unread: UnreadElements, from known: [TableRef: [String: [Element]]]
  ) -> Filled {
    var out = Filled(current: current, target: desired, unread: unread, trimmed: [:])
    for ti in out.current.tables.indices {
      let ref = out.current.tables[ti].ref
      guard let names = unread[ref], let sets = known[ref],
        let di = out.target.tables.firstIndex(where: { $0.ref == ref })
      else { continue }
      for si in out.current.tables[ti].sets.indices {
        let name = out.current.tables[ti].sets[si].name
        guard names.contains(name), let old = sets[name] else { continue }
        out.unread[ref]?.remove(name)
        guard let dsi = out.target.tables[di].sets.firstIndex(where: { $0.name == name }),
          out.target.tables[di].sets[dsi].header == out.current.tables[ti].sets[si].header
        else {
          out.current.tables[ti].sets[si].elements = old
          continue
        }
        let new = out.target.tables[di].sets[dsi].elements
        let (oldMiddle, newMiddle) = middles(old, new)
        out.current.tables[ti].sets[si].elements = Array(oldMiddle)
        out.target.tables[di].sets[dsi].elements = Array(newMiddle)
        out.trimmed[ref, default: []].insert(name)
      }
      if out.unread[ref]?.isEmpty == true { out.unread[ref] = nil }
    }
    return out
  }

  /// `old` and `new` without their common prefix and common suffix.
  static func middles(_ old: [Element], _ new: [Element]) -> (ArraySlice<Element>, ArraySlice<Element>) {
    var start = 0
    while start < old.count, start < new.count, old[start] == new[start] { start += 1 }
    var oldEnd = old.count
    var newEnd = new.count
    while oldEnd > start, newEnd > start, old[oldEnd - 1] == new[newEnd - 1] {
      oldEnd -= 1
      newEnd -= 1
    }
    return (old[start..<oldEnd], new[start..<newEnd])
  }

  /// The difference between the read-back and `desired`, with what the file knows: computed on
  /// the trimmed sets, unless the diff declares one of them anew (a rewritten rule may make it
  /// recreate a map), which needs every element: then on the whole sets.
  public static func diff(
    _ current: Ruleset, to desired: Ruleset, unread: UnreadElements, known: [TableRef: [String: [Element]]]?
  ) -> Transaction {
    guard let known else { return current.diff(to: desired, unreadElements: unread) }
    let filled = fill(current, desired: desired, unread: unread, from: known)
    let tx = filled.current.diff(to: filled.target, unreadElements: filled.unread)
    let redeclares = tx.commands.contains { c in
      switch c {
      case .addSet(let t, let s): filled.trimmed[t]?.contains(s.name) == true
      case .deleteSet(let t, let name, _), .flushSet(let t, let name, _): filled.trimmed[t]?.contains(name) == true
      case .deleteTable(let t): filled.trimmed[t] != nil
      default: false
      }
    }
    guard redeclares else { return tx }
    var whole = current
    _ = fill(&whole, unread: unread, from: known)
    return whole.diff(to: desired, unreadElements: filled.unread)
  }

  /// `current` (a read-back) with the elements of its unread sets that `known` holds filled
  /// in (untrimmed), and the sets that stay unread.
  static func fill(_ current: inout Ruleset, unread: UnreadElements, from known: [TableRef: [String: [Element]]]) -> UnreadElements {
    var left = unread
    for ti in current.tables.indices {
      let ref = current.tables[ti].ref
      guard let names = unread[ref], let sets = known[ref] else { continue }
      for si in current.tables[ti].sets.indices {
        let name = current.tables[ti].sets[si].name
        guard names.contains(name), let elements = sets[name] else { continue }
        current.tables[ti].sets[si].elements = elements
        left[ref]?.remove(name)
      }
      if left[ref]?.isEmpty == true { left[ref] = nil }
    }
    return left
  }
}

// The set state store: a file is used only for its namespace (boot id and cookie) and its
// generation; the elements it knows are filled into unread sets, trimmed to what differs.
import Dataplane
import Foundation
import NFTNetlink
import NFTables
import NetAddress
import Testing

@Suite struct SetStateStoreTests {
  static var state: SetState {
    SetState(
      bootID: "6a1e0c1e-0000-4000-8000-000000000001", namespaceCookie: 4096, generation: 0xffff_fffe,
      tables: [TableRef(family: .ip, name: "kproxy"): ["a": [Element([.address(IPAddress("10.0.0.1")!)])]]])
  }

  @Test func lookupChecksBootNamespaceAndGeneration() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("kpt-state-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: folder) }
    let store = SetStateStore(directory: folder)
    let s = Self.state
    let id = NamespaceIdentity(bootID: s.bootID, cookie: s.namespaceCookie, inode: 4_026_531_840)
    #expect(store.lookup(id, generation: s.generation) == .missing)
    try store.save(s, inode: id.inode)
    #expect(store.lookup(id, generation: s.generation) == .exact(s.tables))
    guard case .stale = store.lookup(id, generation: s.generation &+ 1) else { Issue.record("another generation accepted"); return }
    var other = id
    other.cookie += 1
    guard case .stale = store.lookup(other, generation: s.generation) else { Issue.record("another namespace accepted"); return }
    other = id
    other.bootID = "another boot"
    guard case .stale = store.lookup(other, generation: s.generation) else { Issue.record("another boot accepted"); return }
    store.remove(inode: id.inode)
    #expect(store.lookup(id, generation: s.generation) == .missing)
  }

  static func addresses(_ range: ClosedRange<UInt32>) -> [Element] { range.map { Element([.address(.v4(IPv4Address(0x0a00_0000 + $0)))]) } }

  static func ruleset(_ sets: [String: [Element]], declared: [String] = ["a", "b", "c"]) -> Ruleset {
    Ruleset(tables: [
      Table(
        family: .ip, name: "kproxy",
        sets: declared.map { name in
          var s = NFTSet(name: name, keyType: [.ipv4Addr])
          s.elements = sets[name] ?? []
          return s
        })
    ])
  }

  @Test func theFileFillsOnlyUnreadSetsItKnowsAndTheDiffSendsOnlyChanges() {
    let ref = TableRef(family: .ip, name: "kproxy")
    // What the kernel holds: a (unread, known to the file), b (unread, unknown), c (read back).
    let current = Self.ruleset(["c": Self.addresses(1...2)])
    let known = [ref: ["a": Self.addresses(1...100), "c": Self.addresses(50...60)]]
    var aNew = Self.addresses(1...100)
    aNew.remove(at: 40)
    aNew.insert(Element([.address(IPAddress("10.9.9.9")!)]), at: 70)
    let desired = Self.ruleset(["a": aNew, "b": Self.addresses(1...3), "c": Self.addresses(1...2)])
    let filled = SetStateStore.fill(current, desired: desired, unread: [ref: ["a", "b"]], from: known)
    #expect(filled.unread == [ref: ["b"]])
    #expect(filled.trimmed == [ref: ["a"]])
    // Only the part between the first and the last difference is left to compare.
    #expect(filled.current.tables[0].sets[0].elements == Array(Self.addresses(41...71)))
    #expect(filled.current.tables[0].sets[2].elements == Self.addresses(1...2))
    let tx = SetStateStore.diff(current, to: desired, unread: [ref: ["a", "b"]], known: known)
    let a = desired.tables[0].sets[0].header
    let b = desired.tables[0].sets[1].header
    #expect(
      tx.commands == [
        .deleteElements(ref, set: a, [Element([.address(IPAddress("10.0.0.41")!)])]),
        .flushSet(ref, set: "b", isMap: false),
        .addElements(ref, set: a, [Element([.address(IPAddress("10.9.9.9")!)])]),
        .addElements(ref, set: b, Self.addresses(1...3)),
      ])
  }

  @Test func aSetDeclaredAnewGetsEveryElement() {
    let ref = TableRef(family: .ip, name: "kproxy")
    let current = Self.ruleset([:], declared: ["a"])
    let known = [ref: ["a": Self.addresses(1...10)]]
    var desired = Self.ruleset(["a": Self.addresses(1...11)], declared: ["a"])
    desired.tables[0].sets[0].comment = "a new declaration"
    let tx = SetStateStore.diff(current, to: desired, unread: [ref: ["a"]], known: known)
    let added = tx.commands.compactMap { c -> [Element]? in if case .addElements(_, _, let es) = c { es } else { nil } }
    #expect(added == [Self.addresses(1...11)])
  }
}

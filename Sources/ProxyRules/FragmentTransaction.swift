// The commands that replace some service ports' fragments with new ones, in the order that
// keeps every reference valid: create, unreference, remove elements, drop sets, fill, delete.
import NFTables

struct FragmentTransaction {
  let table: TableRef
  let before: [ServicePortFragment]
  let after: [ServicePortFragment]
  /// Per shared set, the element the kernel holds for each touched key, before and after.
  let oldWinners: [String: [[Value]: Element]]
  let newWinners: [String: [[Value]: Element]]
  /// The table's shared sets and maps by name, as `Skeleton.sets` declares them.
  let sharedSets: [String: NFTSet]

  func commands(into tx: inout Transaction) {
    let oldChains = Dictionary(before.flatMap(\.chains).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let newChains = after.flatMap(\.chains)
    let newChainNames = Set(newChains.map(\.name))
    let oldSets = Dictionary(before.flatMap(\.affinitySets).map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let newSets = after.flatMap(\.affinitySets)
    let newSetNames = Set(newSets.map(\.name))
    let recreatedSets = Set(newSets.filter { s in oldSets[s.name].map { $0.header != s.header } ?? false }.map(\.name))
    let removedChains = before.flatMap(\.chains).filter { !newChainNames.contains($0.name) }
    let rewritten = newChains.filter { c in
      guard let o = oldChains[c.name] else { return false }
      return o.rules != c.rules || !o.referencedSets.isDisjoint(with: recreatedSets)
    }

    // 1. New chains and affinity sets.
    for c in newChains where oldChains[c.name] == nil { tx.add(.addChain(table, c.header)) }
    for s in newSets where oldSets[s.name] == nil { tx.add(.addSet(table, s.header)) }
    // 2. Unreference: flush rewritten and removed chains.
    for c in rewritten { tx.add(.flushChain(table, chain: c.name)) }
    for c in removedChains { tx.add(.flushChain(table, chain: c.name)) }
    // 3. Shared-set elements whose winner goes or changes.
    for set in oldWinners.keys.sorted() {
      let old = oldWinners[set] ?? [:]
      let new = newWinners[set] ?? [:]
      let removed = old.filter { new[$0.key] != $0.value }.map { $0.value }
      if !removed.isEmpty { tx.add(.deleteElements(table, set: header(set), sorted(removed, in: set))) }
    }
    // 4. Affinity sets that go or change.
    for s in before.flatMap(\.affinitySets) where !newSetNames.contains(s.name) || recreatedSets.contains(s.name) {
      tx.add(.deleteSet(table, set: s.name, isMap: false))
    }
    for s in newSets where recreatedSets.contains(s.name) { tx.add(.addSet(table, s.header)) }
    // 5. Rules of new and rewritten chains, then new winners.
    let refill = Set(rewritten.map(\.name))
    for c in newChains where oldChains[c.name] == nil || refill.contains(c.name) {
      for r in c.rules { tx.add(.addRule(table, chain: c.name, r)) }
    }
    for set in newWinners.keys.sorted() {
      let old = oldWinners[set] ?? [:]
      let added = (newWinners[set] ?? [:]).filter { old[$0.key] != $0.value }.map { $0.value }
      if !added.isEmpty { tx.add(.addElements(table, set: header(set), sorted(added, in: set))) }
    }
    // 6. Chains nothing refers to any more.
    for c in removedChains { tx.add(.deleteChain(table, chain: c.name)) }
  }

  /// The shared set's declaration (element commands render with its key types).
  func header(_ set: String) -> NFTSet { sharedSets[set]! }

  /// Deterministic order for element lists (dictionary order is not): by nft text.
  func sorted(_ elements: [Element], in set: String) -> [Element] {
    let keyType = header(set).keyType
    return elements.map { ($0.text(keyType: keyType), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
  }
}

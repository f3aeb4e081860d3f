// The commands that replace some service ports' fragments with new ones, in the order that
// keeps every reference valid: create, unreference, remove elements, drop sets and counters,
// fill, delete.
// Picker claims (endpoint bundles) expand into slots of the pickers' per-count maps here.
import NFTables

struct FragmentTransaction {
  let table: TableRef
  let ctx: FamilyContext
  let before: [ServicePortFragment]
  let after: [ServicePortFragment]
  /// Per shared set (or picker map), the element the kernel holds for each touched key,
  /// before and after.
  let oldWinners: [String: [[Value]: Element]]
  let newWinners: [String: [[Value]: Element]]
  /// Pickers whose endpoint counts in use change: their per-count maps and chains.
  let pickerCounts: [EndpointPicker: (old: [Int], new: [Int])]
  /// Declarations of the sets service ports claim elements in, by name.
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
    let pickers = pickerCounts.keys.sorted().map { PickerChange(picker: $0, old: pickerCounts[$0]!.old, new: pickerCounts[$0]!.new) }
    let (removals, additions) = elementChanges()
    // A counter's name and comment derive from its service port's name: one present before
    // and after is the same counter, kept with its values.
    let oldCounters = Set(before.flatMap(\.counters).map(\.name))
    let newCounters = Set(after.flatMap(\.counters).map(\.name))

    // 1. New chains, affinity sets, and pickers' new count maps and chains and group sets
    // and chains.
    for c in after.flatMap(\.counters) where !oldCounters.contains(c.name) { tx.add(.addCounter(table, c.declaration)) }
    for c in newChains where oldChains[c.name] == nil { tx.add(.addChain(table, c.header)) }
    for s in newSets where oldSets[s.name] == nil { tx.add(.addSet(table, s.header)) }
    for pc in pickers {
      for n in pc.addedCounts {
        tx.add(.addSet(table, pc.picker.mapDeclaration(ctx, n)))
        tx.add(.addChain(table, Chain(name: pc.picker.countChainName(n))))
      }
      for g in pc.addedGroups {
        tx.add(.addSet(table, pc.picker.groupSetDeclaration(ctx, g)))
        tx.add(.addChain(table, Chain(name: pc.picker.groupChainName(g))))
      }
    }
    // 2. Unreference: flush rewritten and removed chains, and the pickers' chains that change
    // or go.
    for c in rewritten { tx.add(.flushChain(table, chain: c.name)) }
    for c in removedChains { tx.add(.flushChain(table, chain: c.name)) }
    for pc in pickers {
      if pc.groupsChange { tx.add(.flushChain(table, chain: pc.picker.chain)) }
      for g in pc.rewrittenGroups + pc.removedGroups { tx.add(.flushChain(table, chain: pc.picker.groupChainName(g))) }
      for n in pc.removedCounts { tx.add(.flushChain(table, chain: pc.picker.countChainName(n))) }
    }
    // 3. Shared-set elements whose winner goes or changes.
    for (set, elements) in removals.sorted(by: { $0.key < $1.key }) {
      tx.add(.deleteElements(table, set: header(set), sorted(elements, in: set)))
    }
    // 4. Affinity sets that go or change, and the pickers' maps and sets nothing needs.
    for s in before.flatMap(\.affinitySets) where !newSetNames.contains(s.name) || recreatedSets.contains(s.name) {
      tx.add(.deleteSet(table, set: s.name, isMap: false))
    }
    for s in newSets where recreatedSets.contains(s.name) { tx.add(.addSet(table, s.header)) }
    for pc in pickers {
      for n in pc.removedCounts { tx.add(.deleteSet(table, set: pc.picker.map(n), isMap: true)) }
      for g in pc.removedGroups { tx.add(.deleteSet(table, set: pc.picker.groupSet(g), isMap: false)) }
    }
    // Counters of ports that go, now that no element names them.
    for c in before.flatMap(\.counters) where !newCounters.contains(c.name) { tx.add(.deleteCounter(table, counter: c.name)) }
    // 5. Rules of new and rewritten chains, of the pickers' new and changed chains; then
    // new elements.
    let refill = Set(rewritten.map(\.name))
    for c in newChains where oldChains[c.name] == nil || refill.contains(c.name) {
      for r in c.rules { tx.add(.addRule(table, chain: c.name, r)) }
    }
    for pc in pickers {
      for n in pc.addedCounts {
        for r in pc.picker.countChain(ctx, n).rules { tx.add(.addRule(table, chain: pc.picker.countChainName(n), r)) }
      }
      for (g, counts) in EndpointPicker.groups(pc.new) where pc.addedGroups.contains(g) || pc.rewrittenGroups.contains(g) {
        for r in pc.picker.groupChain(g, counts: counts).rules { tx.add(.addRule(table, chain: pc.picker.groupChainName(g), r)) }
      }
      if pc.groupsChange {
        for r in pc.picker.entryChain(ctx, groups: pc.newGroups.map(\.group)).rules {
          tx.add(.addRule(table, chain: pc.picker.chain, r))
        }
      }
    }
    for (set, elements) in additions.sorted(by: { $0.key < $1.key }) {
      tx.add(.addElements(table, set: header(set), sorted(elements, in: set)))
    }
    // 6. Chains nothing refers to any more.
    for c in removedChains { tx.add(.deleteChain(table, chain: c.name)) }
    for pc in pickers {
      for n in pc.removedCounts { tx.add(.deleteChain(table, chain: pc.picker.countChainName(n))) }
      for g in pc.removedGroups { tx.add(.deleteChain(table, chain: pc.picker.groupChainName(g))) }
    }
  }

  /// Elements to delete and to add, by real set name: winners that change, with picker
  /// bundles expanded (a slot whose endpoint stays is left alone).
  func elementChanges() -> (removals: [String: [Element]], additions: [String: [Element]]) {
    var removals: [String: [Element]] = [:]
    var additions: [String: [Element]] = [:]
    let pickers = Dictionary(uniqueKeysWithValues: EndpointPicker.allCases.map { ($0.name, $0) })
    for set in Set(oldWinners.keys).union(newWinners.keys) {
      let old = oldWinners[set] ?? [:]
      let new = newWinners[set] ?? [:]
      guard let picker = pickers[set] else {
        let gone = old.filter { new[$0.key] != $0.value }.map(\.value)
        let came = new.filter { old[$0.key] != $0.value }.map(\.value)
        if !gone.isEmpty { removals[set, default: []] += gone }
        if !came.isEmpty { additions[set, default: []] += came }
        continue
      }
      for key in Set(old.keys).union(new.keys) where old[key] != new[key] {
        let o = old[key].map(picker.expand)
        let n = new[key].map(picker.expand)
        // Slots of the same map with the same endpoint stay.
        let sameMap = o?.map == n?.map
        let oldSlots = sameMap ? Set(o?.slots ?? []) : []
        let newSlots = sameMap ? Set(n?.slots ?? []) : []
        let slotsGone = (o?.slots ?? []).filter { !newSlots.contains($0) }
        let slotsCame = (n?.slots ?? []).filter { !oldSlots.contains($0) }
        if let o, !slotsGone.isEmpty { removals[o.map, default: []] += slotsGone }
        if let n, !slotsCame.isEmpty { additions[n.map, default: []] += slotsCame }
        if o?.groupSet != n?.groupSet || o?.member != n?.member {
          if let o { removals[o.groupSet, default: []].append(o.member) }
          if let n { additions[n.groupSet, default: []].append(n.member) }
        }
      }
    }
    return (removals, additions)
  }

  /// A claimable set's declaration (element commands render with its key types): a shared
  /// set, a picker's map `NAME-N` or group set `NAME-1to8`.
  func header(_ set: String) -> NFTSet {
    if let s = sharedSets[set] { return s }
    for p in EndpointPicker.allCases {
      if let s = p.declaration(ofSet: set, ctx) { return s }
    }
    preconditionFailure("no declaration for set \(set)")
  }

  /// Deterministic order for element lists (dictionary order is not): by nft text.
  func sorted(_ elements: [Element], in set: String) -> [Element] {
    let keyType = header(set).keyType
    return elements.map { ($0.text(keyType: keyType), $0) }.sorted { $0.0 < $1.0 }.map(\.1)
  }
}

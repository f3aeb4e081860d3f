// Computes the minimal transaction that takes the kernel from one ruleset to another:
// new chains and sets first, then flushes and element removals, then rules and elements,
// deletions last, so that no command ever refers to an object that does not exist.

extension Ruleset {
  /// A transaction that replaces every table of this ruleset wholesale (create if missing,
  /// delete, declare anew): what `compile` prints as a block script, as commands.
  public func replaceTransaction() -> Transaction {
    var tx = Transaction()
    for t in tables {
      tx.add(.addTable(t.ref, comment: nil))
      tx.add(.deleteTable(t.ref))
      Self.create(t, into: &tx)
    }
    for r in absentTables {
      tx.add(.addTable(r, comment: nil))
      tx.add(.deleteTable(r))
    }
    return tx
  }

  /// Commands creating `t` and everything in it, assuming it does not exist.
  static func create(_ t: Table, into tx: inout Transaction) {
    let ref = t.ref
    tx.add(.addTable(ref, comment: t.comment))
    for c in t.counters { tx.add(.addCounter(ref, c.declaration)) }
    for c in t.chains { tx.add(.addChain(ref, c.header)) }
    for s in t.sets { tx.add(.addSet(ref, s.header)) }
    for c in t.chains {
      for r in c.rules { tx.add(.addRule(ref, chain: c.name, r)) }
    }
    for s in t.sets where !s.elements.isEmpty {
      tx.add(.addElements(ref, set: s.header, s.elements))
    }
  }

  /// The transaction that turns `self` (what the kernel has) into `target`.
  /// Tables absent from `target` are deleted; tables absent from `self` are created.
  public func diff(to target: Ruleset) -> Transaction {
    diff(to: target, unreadElements: [:])
  }

  /// As `diff(to:)`, where `self` was read without the elements of the sets in
  /// `unreadElements` (too large to dump; nothing is known of them): each such set that
  /// `target` keeps is flushed and refilled with all its elements in the same transaction
  /// (declared anew only if its declaration changed), which repairs whatever anyone did to
  /// its elements (see BENCHMARKS.md, "Read-back of large sets").
  public func diff(to target: Ruleset, unreadElements: UnreadElements) -> Transaction {
    var tx = Transaction()
    let oldTables = Dictionary(tables.map { ($0.ref, $0) }, uniquingKeysWith: { a, _ in a })
    let newRefs = Set(target.tables.map(\.ref))
    for t in target.tables {
      if let old = oldTables[t.ref] {
        TableDiff(old: old, new: t, unreadSets: unreadElements[t.ref] ?? []).commands(into: &tx)
      } else {
        Self.create(t, into: &tx)
      }
    }
    for t in tables where !newRefs.contains(t.ref) {
      tx.add(.deleteTable(t.ref))
    }
    return tx
  }
}

/// Per table, the sets whose elements a read-back left out (`NetlinkClient.currentRuleset(
/// tables:spelling:elementDumpLimit:)`).
public typealias UnreadElements = [TableRef: Set<String>]

/// The difference between two versions of one table.
struct TableDiff {
  let old: Table
  let new: Table
  /// Sets of `old` whose elements were not read: flushed and refilled whole.
  var unreadSets: Set<String> = []

  func commands(into tx: inout Transaction) {
    let ref = new.ref
    // Changes the incremental path does not express: replace the table wholesale.
    let oldChains = Dictionary(old.chains.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let newChains = Dictionary(new.chains.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let headerChangedRegular = new.chains.contains { c in
      guard let o = oldChains[c.name] else { return false }
      return o.header != c.header && (o.base == nil || c.base == nil)
    }
    if old.comment != new.comment || headerChangedRegular {
      tx.add(.deleteTable(ref))
      Ruleset.create(new, into: &tx)
      return
    }

    let oldSets = Dictionary(old.sets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let newSets = Dictionary(new.sets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var recreatedSets = Set(
      new.sets.compactMap { s -> String? in
        guard let o = oldSets[s.name], o.header != s.header else { return nil }
        return s.name
      })
    // Unread sets whose declaration is unchanged are flushed and refilled instead: the set,
    // its handle and the rules using it stay, and the kernel does less than for a new set.
    let flushedSets = unreadSets.filter { name in oldSets[name] != nil && newSets[name] != nil && !recreatedSets.contains(name) }
    let removedSets = old.sets.filter { newSets[$0.name] == nil }

    // Chains whose rules must be rewritten: changed rules, or rules that refer to a set
    // that is deleted or recreated (the reference has to go before the set can). A map a
    // rewritten rule DNATs through is recreated too: nft 1.0.6 cannot add a rule using an
    // existing `... : ip daddr . th dport` map (it misreads the map's declaration from the
    // kernel), only one declared in the same transaction. Repeat until nothing more changes.
    var rewrite: [Chain] = []
    var recreatedBaseChains: [Chain] = []
    while true {
      rewrite = []
      recreatedBaseChains = []
      for c in new.chains {
        guard let o = oldChains[c.name] else { continue }
        if o.header != c.header {
          recreatedBaseChains.append(c)
        } else if o.rules != c.rules
          || !o.referencedSets.isDisjoint(with: recreatedSets)
        {
          rewrite.append(c)
        }
      }
      let dnatMaps = Set(
        (rewrite + recreatedBaseChains).flatMap(\.rules).flatMap(\.exprs).compactMap { e -> String? in
          guard case .dnatMap(_, let m, _) = e, oldSets[m] != nil, newSets[m] != nil else { return nil }
          return m
        })
      if dnatMaps.isSubset(of: recreatedSets) { break }
      recreatedSets.formUnion(dnatMaps)
    }
    let removedChains = old.chains.filter { newChains[$0.name] == nil }

    // Counters are kept by name (never reset); one whose comment changed is declared anew
    // once the map elements that refer to it are gone, and those elements are re-added.
    let oldCounters = Dictionary(old.counters.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    let newCounterNames = Set(new.counters.map(\.name))
    let recreatedCounters = Set(
      new.counters.compactMap { c -> String? in
        guard let o = oldCounters[c.name], o.comment != c.comment else { return nil }
        return c.name
      })

    // 1. New counters, chains and sets exist before anything refers to them.
    for c in new.counters where oldCounters[c.name] == nil { tx.add(.addCounter(ref, c.declaration)) }
    for c in new.chains where oldChains[c.name] == nil { tx.add(.addChain(ref, c.header)) }
    for s in new.sets where oldSets[s.name] == nil { tx.add(.addSet(ref, s.header)) }
    // 2. Drop references: flush rewritten and removed chains, recreate changed base chains.
    for c in rewrite { tx.add(.flushChain(ref, chain: c.name)) }
    for c in removedChains { tx.add(.flushChain(ref, chain: c.name)) }
    for c in recreatedBaseChains {
      tx.add(.deleteChain(ref, chain: c.name))
      tx.add(.addChain(ref, c.header))
    }
    // 3. Element removals from kept sets (keys gone, or data/comment changed).
    var additions: [(NFTSet, [Element])] = []
    for s in new.sets {
      guard let o = oldSets[s.name] else {
        if !s.elements.isEmpty { additions.append((s.header, s.elements)) }
        continue
      }
      if recreatedSets.contains(s.name) {
        if !s.elements.isEmpty { additions.append((s.header, s.elements)) }
        continue
      }
      if flushedSets.contains(s.name) {
        tx.add(.flushSet(ref, set: s.name, isMap: s.isMap))
        if !s.elements.isEmpty { additions.append((s.header, s.elements)) }
        continue
      }
      // A dynamic set's elements are what rules added (learned affinity): left alone.
      if s.flags.contains(.dynamic) { continue }
      var (removed, added) = Self.elementChanges(old: o.elements, new: s.elements)
      if !recreatedCounters.isEmpty, s.dataType == [.counter] {
        Self.refer(again: recreatedCounters, old: o.elements, new: s.elements, removed: &removed, added: &added)
      }
      if !removed.isEmpty { tx.add(.deleteElements(ref, set: s.header, removed)) }
      if !added.isEmpty { additions.append((s.header, added)) }
    }
    // 4. Deleted and recreated sets (nothing refers to them any more).
    for s in removedSets { tx.add(.deleteSet(ref, set: s.name, isMap: s.isMap)) }
    for name in new.sets.map(\.name) where recreatedSets.contains(name) {
      let o = oldSets[name]!
      tx.add(.deleteSet(ref, set: name, isMap: o.isMap))
      tx.add(.addSet(ref, newSets[name]!.header))
    }
    for c in old.counters where !newCounterNames.contains(c.name) || recreatedCounters.contains(c.name) {
      tx.add(.deleteCounter(ref, counter: c.name))
    }
    for c in new.counters where recreatedCounters.contains(c.name) { tx.add(.addCounter(ref, c.declaration)) }
    // 5. Rules of new, rewritten and recreated chains; then new elements.
    let refill = Set(rewrite.map(\.name) + recreatedBaseChains.map(\.name))
    for c in new.chains {
      guard oldChains[c.name] == nil || refill.contains(c.name) else { continue }
      for r in c.rules { tx.add(.addRule(ref, chain: c.name, r)) }
    }
    for (s, es) in additions { tx.add(.addElements(ref, set: s, es)) }
    // 6. Removed chains last: their rules are gone and no element or rule targets them.
    for c in removedChains { tx.add(.deleteChain(ref, chain: c.name)) }
  }

  /// Adds to `removed`/`added` the elements that refer to a counter declared anew (`counters`)
  /// and are otherwise unchanged: they must go before the counter can, and come back after.
  static func refer(
    again counters: Set<String>, old: [Element], new: [Element], removed: inout [Element], added: inout [Element]
  ) {
    func refers(_ e: Element) -> Bool {
      if case .object(let n) = e.data { return counters.contains(n) }
      return false
    }
    let removedKeys = Set(removed.map(\.key))
    let addedKeys = Set(added.map(\.key))
    let newKeys = Set(new.map(\.key))
    let oldReferring = old.filter { refers($0) && !removedKeys.contains($0.key) && newKeys.contains($0.key) }
    removed.append(contentsOf: oldReferring)
    let again = Set(oldReferring.map(\.key))
    added.append(contentsOf: new.filter { again.contains($0.key) && !addedKeys.contains($0.key) })
  }

  /// Elements to delete (by key) and to add, keyed by element key; order follows the inputs.
  static func elementChanges(old: [Element], new: [Element]) -> (removed: [Element], added: [Element]) {
    if old == new { return ([], []) }
    // Old elements by key, as indices; with a duplicate key, the key-based version below.
    var oldIndex = [[Value]: Int](minimumCapacity: old.count)
    for i in old.indices where oldIndex.updateValue(i, forKey: old[i].key) != nil {
      return keyedElementChanges(old: old, new: new)
    }
    var kept = [Bool](repeating: false, count: old.count)
    var changed = [Bool](repeating: false, count: old.count)
    var added: [Element] = []
    for e in new {
      if let i = oldIndex[e.key] {
        kept[i] = true
        if old[i] != e {
          changed[i] = true
          added.append(e)
        }
      } else {
        added.append(e)
      }
    }
    var removed: [Element] = []
    for i in old.indices where !kept[i] || changed[i] { removed.append(old[i]) }
    return (removed, added)
  }

  /// `elementChanges` by key sets, for element lists with duplicate keys.
  static func keyedElementChanges(old: [Element], new: [Element]) -> (removed: [Element], added: [Element]) {
    var oldByKey = [[Value]: Element](minimumCapacity: old.count)
    for e in old { oldByKey[e.key] = e }
    var newKeys = Set<[Value]>(minimumCapacity: new.count)
    var added: [Element] = []
    var changedKeys = Set<[Value]>()
    for e in new {
      newKeys.insert(e.key)
      if let o = oldByKey[e.key] {
        if o != e {
          changedKeys.insert(e.key)
          added.append(e)
        }
      } else {
        added.append(e)
      }
    }
    let removed = old.filter { !newKeys.contains($0.key) || changedKeys.contains($0.key) }
    return (removed, added)
  }
}

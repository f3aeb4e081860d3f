// Keeps the compiled state of every service port and turns a new reconciler state into the
// transaction that changes only what changed: the changed service ports' chains, affinity sets
// and their claims on shared sets (the sync loop's fast path; `RulesetCompiler` is the
// reference it must agree with, see IncrementalCompilerTests).
import Dispatch
import KubeAPI
import NFTables
import NetAddress
import ServiceProxy
import Synchronization

/// What one service port contributes to its family's table.
struct ServicePortFragment: Equatable {
  var chains: [Chain]
  var counters: [CounterObject]
  var affinitySets: [NFTSet]
  /// Elements claimed in shared sets and maps, by set name.
  var claims: [String: [Element]]
  /// Conflicts among the port's own claims (e.g. an externalIP equal to its ClusterIP).
  var warnings: [String]

  init(ctx: FamilyContext, svc: ServicePortInfo) {
    var out = FamilyRules(servicePorts: 1, endpoints: svc.endpoints.count)
    ServicePortRules(ctx: ctx, svc: svc).add(into: &out)
    chains = out.chains
    counters = out.counters
    affinitySets = out.affinitySets
    claims = [:]
    warnings = out.warnings
    for (set, elements) in out.sharedElements where !elements.isEmpty { claims[set] = elements }
  }
}

/// The incremental compiler for one node configuration.
public struct IncrementalCompiler: Sendable {
  public let node: NodeConfig
  /// The service ports as given (before contested destinations are settled), per family.
  private var given: [IPFamily: [ServicePortName: ServicePortInfo]] = [:]
  /// For each destination (per family), the given service ports that claim it.
  private var claimants: [IPFamily: [DestinationKey: Set<ServicePortName>]] = [:]
  /// The service ports last compiled (contested destinations settled), per family.
  private var infos: [IPFamily: [ServicePortName: ServicePortInfo]] = [:]
  private var fragments: [IPFamily: [ServicePortName: ServicePortFragment]] = [:]
  /// For each shared set and element key, the service ports claiming it and their element.
  /// The kernel holds the element of the smallest claimant, as a full compile would.
  private var owners: [IPFamily: [String: [[Value]: KeyClaims]]] = [:]
  /// Per family and shared set, how many keys more than one service port claims (a set
  /// without any is assembled without checking keys).
  private var contested: [IPFamily: [String: Int]] = [:]
  /// Per family and picker, how many destinations have each endpoint count: the counts in
  /// use, which have a map and a chain of their own and make up the count groups.
  private var counts: [IPFamily: [[Int: Int]]] = [:]
  private let contexts: [IPFamily: FamilyContext]
  /// The families whose table exists (`RulesetCompiler.servedFamilies`).
  private var served: Set<IPFamily>
  /// The warnings of the last full state given (`init`, `update(to:)`), as `RulesetCompiler`
  /// reports them for that state.
  public private(set) var warnings: [String]

  /// Starts from `state`, which the kernel holds (`RulesetCompiler.compile` of it).
  public init(_ state: ProxyState, node: NodeConfig) {
    self.node = node
    var contexts: [IPFamily: FamilyContext] = [:]
    for f in IPFamily.allCases { contexts[f] = FamilyContext(f, node: node) }
    self.contexts = contexts
    let (ports, warnings) = RulesetCompiler.prepare(state, node: node)
    self.warnings = warnings
    served = Set(RulesetCompiler.servedFamilies(ports, node: node))
    for svc in state.servicePorts { give(svc) }
    for (svc, fragment) in zip(ports, Self.fragments(ports, contexts)) { record(svc, fragment) }
    for family in IPFamily.allCases { countPickers(family) }
  }

  /// Each port's fragment, in order; large inputs in chunks on every core (the fragments are
  /// independent: the result is the same as one after the other). This is the one compile of
  /// a full sync (`compiled()` assembles the ruleset from the fragments).
  static func fragments(_ ports: [ServicePortInfo], _ contexts: [IPFamily: FamilyContext]) -> [ServicePortFragment] {
    let chunkSize = 2048
    guard ports.count > chunkSize else { return ports.map { ServicePortFragment(ctx: contexts[$0.family]!, svc: $0) } }
    let chunks = (ports.count + chunkSize - 1) / chunkSize
    let results = Mutex([[ServicePortFragment]](repeating: [], count: chunks))
    DispatchQueue.concurrentPerform(iterations: chunks) { c in
      let slice = ports[(c * chunkSize)..<min(ports.count, (c + 1) * chunkSize)]
      let built = slice.map { ServicePortFragment(ctx: contexts[$0.family]!, svc: $0) }
      results.withLock { $0[c] = built }
    }
    return results.withLock { $0.flatMap { $0 } }
  }

  /// The full ruleset of the current state, assembled from the recorded fragments (no service
  /// port compiled again): equal to `RulesetCompiler.compile` of that state, warnings included.
  /// A resync compiles once, through `init`, and diffs the kernel against this.
  public func compiled() -> CompiledRuleset {
    var tables: [Table] = []
    var compileWarnings: [String] = []
    for family in IPFamily.allCases where served.contains(family) {
      let ctx = contexts[family]!
      let names = (infos[family] ?? [:]).keys.sorted()
      var chains: [Chain] = []
      var counters: [CounterObject] = []
      var affinitySets: [NFTSet] = []
      var shared: [String: [Element]] = [:]
      var taken: [String: Set<[Value]>] = [:]
      let contestedSets = Set((contested[family] ?? [:]).filter { $0.value > 0 }.keys)
      for name in names {
        guard let f = fragments[family]?[name] else { continue }
        chains += f.chains
        counters += f.counters
        affinitySets += f.affinitySets
        compileWarnings += f.warnings
        // The first claimant of a key (the smallest name) holds it, as in a full compile.
        for (set, elements) in f.claims {
          guard contestedSets.contains(set) else {
            shared[set, default: []] += elements
            continue
          }
          for e in elements where taken[set, default: []].insert(e.key).inserted { shared[set, default: []].append(e) }
        }
      }
      tables.append(RulesetCompiler.table(ctx, shared: shared, chains: chains, affinitySets: affinitySets, counters: counters))
    }
    let absent = IPFamily.allCases.filter { !served.contains($0) }.map(RulesetCompiler.tableRef)
    return CompiledRuleset(ruleset: Ruleset(tables: tables, absentTables: absent), warnings: warnings + compileWarnings)
  }

  /// Counts the destinations per endpoint count from the recorded claims of `family`.
  private mutating func countPickers(_ family: IPFamily) {
    var perPicker = EndpointPicker.allCases.map { _ in [Int: Int]() }
    for p in EndpointPicker.allCases {
      for key in (owners[family]?[p.name] ?? [:]).keys {
        if let w = winner(family, p.name, key) { perPicker[p.rawValue][EndpointPicker.count(w), default: 0] += 1 }
      }
    }
    counts[family] = perPicker
  }

  private mutating func record(_ svc: ServicePortInfo, _ fragment: ServicePortFragment) {
    infos[svc.family, default: [:]][svc.name] = svc
    fragments[svc.family, default: [:]][svc.name] = fragment
    for (set, elements) in fragment.claims {
      var keys = owners[svc.family]?[set] ?? [:]
      owners[svc.family, default: [:]][set] = nil  // uniquely referenced while it changes
      var newlyContested = 0
      for e in elements {
        if let existing = keys[e.key] {
          var claims = existing
          if claims.set(svc.name, e) { newlyContested += 1 }
          keys[e.key] = claims
        } else {
          keys[e.key] = .one(svc.name, e)
        }
      }
      owners[svc.family, default: [:]][set] = keys
      if newlyContested > 0 { contested[svc.family, default: [:]][set, default: 0] += newlyContested }
    }
  }

  private mutating func forget(_ family: IPFamily, _ name: ServicePortName) {
    guard let fragment = fragments[family]?[name] else { return }
    for (set, elements) in fragment.claims {
      var noLongerContested = 0
      for e in elements {
        guard var claims = owners[family]?[set]?[e.key] else { continue }
        let wasContested = claims.isContested
        let left = claims.remove(name)
        owners[family]?[set]?[e.key] = left ? claims : nil
        if wasContested && !(left && claims.isContested) { noLongerContested += 1 }
      }
      if noLongerContested > 0 { contested[family]?[set]? -= noLongerContested }
    }
    infos[family]?[name] = nil
    fragments[family]?[name] = nil
  }

  /// The element the kernel holds for `key` in `set`: the smallest claimant's.
  private func winner(_ family: IPFamily, _ set: String, _ key: [Value]) -> Element? {
    owners[family]?[set]?[key]?.winner
  }

  /// Moves to `state` and returns the transaction that takes the kernel from the previous
  /// state's ruleset to the new one. Service ports whose info is unchanged are not recompiled.
  public mutating func update(to state: ProxyState) -> Transaction {
    self.warnings = RulesetCompiler.prepare(state, node: node).warnings
    var byFamily: [IPFamily: [ServicePortName: ServicePortInfo]] = [:]
    for svc in state.servicePorts { byFamily[svc.family, default: [:]][svc.name] = svc }
    var changed: [ServicePortInfo] = []
    var removed: [(IPFamily, ServicePortName)] = []
    for family in IPFamily.allCases {
      let old = given[family] ?? [:]
      let new = byFamily[family] ?? [:]
      for (name, svc) in new where old[name] != svc { changed.append(svc) }
      for name in old.keys where new[name] == nil { removed.append((family, name)) }
    }
    return update(changed: changed, removed: removed)
  }

  /// The transaction for a known change (what a change tracker reports): `changed` service
  /// ports are new or different, `removed` ones are gone. The cost is proportional to the
  /// change, not to the cluster: contested destinations are settled by `DestinationClaims`
  /// (as a full compile settles them) among the changed ports and every port connected to
  /// them through a shared destination, before and after. `warnings` stay those of the last
  /// full state given.
  public mutating func update(changed: [ServicePortInfo], removed: [(IPFamily, ServicePortName)]) -> Transaction {
    var settledChanged: [ServicePortInfo] = []
    var settledRemoved: [(IPFamily, ServicePortName)] = []
    for family in IPFamily.allCases {
      let mine = changed.filter { $0.family == family }
      let gone = removed.filter { $0.0 == family }.map(\.1)
      if mine.isEmpty && gone.isEmpty { continue }
      let seeds = Set(mine.map(\.name) + gone)
      // The ports whose settlement may change: connected to a changed one before the change…
      var affected = connected(family, from: seeds)
      for name in gone { forgetGiven(family, name) }
      for svc in mine {
        forgetGiven(family, svc.name)
        give(svc)
      }
      // …or after it.
      affected.formUnion(connected(family, from: affected))
      let ports = affected.sorted().compactMap { given[family]?[$0] }
      let settled = DestinationClaims.resolve(ports).ports
      let settledNames = Set(settled.map(\.name))
      for svc in settled where infos[family]?[svc.name] != svc { settledChanged.append(svc) }
      for name in affected.sorted() where !settledNames.contains(name) && infos[family]?[name] != nil {
        settledRemoved.append((family, name))
      }
    }
    return apply(changed: settledChanged, removed: settledRemoved)
  }

  /// Records a given service port and its destinations.
  private mutating func give(_ svc: ServicePortInfo) {
    given[svc.family, default: [:]][svc.name] = svc
    for k in DestinationKey.of(svc) { claimants[svc.family, default: [:]][k, default: []].insert(svc.name) }
  }

  private mutating func forgetGiven(_ family: IPFamily, _ name: ServicePortName) {
    guard let svc = given[family]?[name] else { return }
    for k in DestinationKey.of(svc) {
      claimants[family]?[k]?.remove(name)
      if claimants[family]?[k]?.isEmpty == true { claimants[family]?[k] = nil }
    }
    given[family]?[name] = nil
  }

  /// `seeds` and every given port reachable from them through shared destinations.
  private func connected(_ family: IPFamily, from seeds: Set<ServicePortName>) -> Set<ServicePortName> {
    var seen = seeds
    var queue = Array(seeds)
    while let name = queue.popLast() {
      guard let svc = given[family]?[name] else { continue }
      for k in DestinationKey.of(svc) {
        for other in claimants[family]?[k] ?? [] where seen.insert(other).inserted { queue.append(other) }
      }
    }
    return seen
  }

  /// The transaction for settled service ports (no destination contested among them and the
  /// rest): `changed` replace their fragments, `removed` lose them.
  private mutating func apply(changed: [ServicePortInfo], removed: [(IPFamily, ServicePortName)]) -> Transaction {
    var tx = Transaction()
    var withPorts = Set<IPFamily>()
    for family in IPFamily.allCases {
      // Counted, not collected: a set of every port name per update cost O(cluster).
      let known = infos[family] ?? [:]
      let gone = Set(removed.filter { $0.0 == family && known[$0.1] != nil }.map(\.1))
      let added = Set(changed.filter { $0.family == family && (known[$0.name] == nil || gone.contains($0.name)) }.map(\.name))
      if known.count - gone.count + added.count > 0 { withPorts.insert(family) }
    }
    let nowServed = Set(RulesetCompiler.servedFamilies(withPorts: withPorts, node: node))
    for family in IPFamily.allCases {
      let ctx = contexts[family]!
      var new: [ServicePortName: ServicePortInfo] = [:]
      for svc in changed where svc.family == family { new[svc.name] = svc }
      let names = (Array(new.keys) + removed.filter { $0.0 == family }.map(\.1)).sorted()
      if served.contains(family) && !nowServed.contains(family) {
        tx.add(.deleteTable(RulesetCompiler.tableRef(family)))
        infos[family] = nil
        fragments[family] = nil
        owners[family] = nil
        contested[family] = nil
        countPickers(family)
        served.remove(family)
        continue
      }
      if !served.contains(family) && nowServed.contains(family) {
        for name in names { forget(family, name) }
        for svc in new.values.sorted(by: { $0.name < $1.name }) { record(svc, ServicePortFragment(ctx: ctx, svc: svc)) }
        countPickers(family)
        served.insert(family)
        createTable(family, into: &tx)
        continue
      }
      if names.isEmpty { continue }
      let before = names.map { fragments[family]?[$0] }
      let after = names.map { name in new[name].map { ServicePortFragment(ctx: ctx, svc: $0) } }
      // Every shared-set key the changed ports claim, before or after, and who wins it.
      var touched: [String: Set<[Value]>] = [:]
      for f in (before + after).compactMap({ $0 }) {
        for (set, es) in f.claims { touched[set, default: []].formUnion(es.map(\.key)) }
      }
      var oldWinners: [String: [[Value]: Element]] = [:]
      for (set, keys) in touched {
        for k in keys { oldWinners[set, default: [:]][k] = winner(family, set, k) }
      }
      for name in names { forget(family, name) }
      for (name, f) in zip(names, after) {
        if let f, let svc = new[name] { record(svc, f) }
      }
      var newWinners: [String: [[Value]: Element]] = [:]
      for (set, keys) in touched {
        for k in keys { newWinners[set, default: [:]][k] = winner(family, set, k) }
      }
      // Counts that come into use or go out of it change the pickers' maps and chains.
      var pickerCounts: [EndpointPicker: (old: [Int], new: [Int])] = [:]
      for p in EndpointPicker.allCases {
        let old = counts[family]![p.rawValue]
        var new = old
        for w in (oldWinners[p.name] ?? [:]).values { new[EndpointPicker.count(w), default: 0] -= 1 }
        for w in (newWinners[p.name] ?? [:]).values { new[EndpointPicker.count(w), default: 0] += 1 }
        new = new.filter { $0.value != 0 }
        counts[family]![p.rawValue] = new
        if Set(old.keys) != Set(new.keys) { pickerCounts[p] = (old.keys.sorted(), new.keys.sorted()) }
      }
      FragmentTransaction(
        table: TableRef(family: ctx.tableFamily, name: Names.table), ctx: ctx, before: before.compactMap { $0 },
        after: after.compactMap { $0 }, oldWinners: oldWinners, newWinners: newWinners, pickerCounts: pickerCounts,
        sharedSets: Dictionary(uniqueKeysWithValues: Skeleton.sets(ctx).map { ($0.name, $0.header) })
      ).commands(into: &tx)
    }
    return tx
  }

  /// Creates `family`'s table from the recorded service ports, as a full compile would.
  private func createTable(_ family: IPFamily, into tx: inout Transaction) {
    let ctx = contexts[family]!
    let ports = (infos[family] ?? [:]).values.sorted { $0.name < $1.name }
    var out = FamilyRules(servicePorts: ports.count, endpoints: ports.reduce(0) { $0 + $1.endpoints.count })
    for svc in ports { ServicePortRules(ctx: ctx, svc: svc).add(into: &out) }
    tx.append(contentsOf: Ruleset(tables: [RulesetCompiler.table(ctx, out)]).replaceTransaction())
  }
}

/// A destination service ports can contest: an address with protocol and port (clusterIP,
/// externalIP, LB IP), or a node port with protocol (within one family).
enum DestinationKey: Hashable {
  case address(IPAddress, L4Protocol, Int)
  case nodePort(L4Protocol, Int)

  static func of(_ svc: ServicePortInfo) -> [DestinationKey] {
    let proto = svc.name.protocol_
    var keys = ([svc.clusterIP] + svc.externalIPs + svc.loadBalancerIPs).map { DestinationKey.address($0, proto, svc.port) }
    if svc.nodePort != 0 { keys.append(.nodePort(proto, svc.nodePort)) }
    return keys
  }
}

/// The service ports claiming one key of a shared set, with their elements: a single claimant
/// (by far the most common case) needs no dictionary of its own.
enum KeyClaims {
  case one(ServicePortName, Element)
  case many([ServicePortName: Element])

  var isContested: Bool { if case .many = self { true } else { false } }

  /// The smallest claimant's element: the one the kernel holds, as in a full compile.
  var winner: Element? {
    switch self {
    case .one(_, let e): e
    case .many(let d): d.keys.min().flatMap { d[$0] }
    }
  }

  /// Records `name`'s claim; true when the key became contested by it.
  mutating func set(_ name: ServicePortName, _ e: Element) -> Bool {
    switch self {
    case .one(let n, _) where n == name:
      self = .one(name, e)
      return false
    case .one(let n, let old):
      self = .many([n: old, name: e])
      return true
    case .many(var d):
      d[name] = e
      self = .many(d)
      return false
    }
  }

  /// Drops `name`'s claim; false when no claim is left.
  mutating func remove(_ name: ServicePortName) -> Bool {
    switch self {
    case .one(let n, _): return n != name
    case .many(var d):
      d[name] = nil
      if d.count == 1, let (n, e) = d.first { self = .one(n, e) } else { self = .many(d) }
      return !d.isEmpty
    }
  }
}

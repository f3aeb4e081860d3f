// The compiler's entry point: reconciler state + node config -> the complete ruleset of
// kproxy's tables (`ip kproxy`, `ip6 kproxy`: those of the families the node serves),
// deterministic for the same input.
import NFTables
import NetAddress
import ServiceProxy

/// The compiled ruleset and what the compiler noticed but could not program.
public struct CompiledRuleset: Sendable, Hashable {
  public var ruleset: Ruleset
  /// Human-readable warnings (conflicting claims on one IP:port, NodePorts without node IPs).
  public var warnings: [String]

  public init(ruleset: Ruleset, warnings: [String]) {
    self.ruleset = ruleset
    self.warnings = warnings
  }
}

public enum RulesetCompiler {
  /// Compiles `state` for the node `node`. A pure function: no I/O, no clock, no randomness.
  public static func compile(_ state: ProxyState, node: NodeConfig) -> CompiledRuleset {
    let (ports, warnings) = prepare(state, node: node)
    var tables: [Table] = []
    var compileWarnings: [String] = []
    let served = servedFamilies(ports, node: node)
    for family in served {
      let ctx = FamilyContext(family, node: node)
      let mine = ports.filter { $0.family == family }
      var out = FamilyRules(servicePorts: mine.count, endpoints: mine.reduce(0) { $0 + $1.endpoints.count })
      for svc in mine {
        ServicePortRules(ctx: ctx, svc: svc).add(into: &out)
      }
      compileWarnings += out.warnings
      tables.append(table(ctx, out))
    }
    let absent = IPFamily.allCases.filter { !served.contains($0) }.map(tableRef)
    return CompiledRuleset(ruleset: Ruleset(tables: tables, absentTables: absent), warnings: warnings + compileWarnings)
  }

  /// kproxy's table of `family`: `ip kproxy` or `ip6 kproxy`.
  public static func tableRef(_ family: IPFamily) -> TableRef {
    TableRef(family: family == .v4 ? .ip : .ip6, name: Names.table)
  }

  /// Every table kproxy may own.
  public static let allTables: [TableRef] = IPFamily.allCases.map(tableRef)

  /// The families whose table the node needs: those of its node IPs, pod and service CIDRs
  /// and service ports. kube-proxy runs one proxier per family the node is configured for
  /// and falls back to IPv4 when it finds no node IP; likewise a node with none of these
  /// facts gets the IPv4 table alone.
  static func servedFamilies(_ ports: [ServicePortInfo], node: NodeConfig) -> [IPFamily] {
    servedFamilies(withPorts: Set(ports.map(\.family)), node: node)
  }

  static func servedFamilies(withPorts: Set<IPFamily>, node: NodeConfig) -> [IPFamily] {
    let facts = node.nodeIPs.map(\.family) + node.clusterCIDRs.map(\.family) + node.serviceCIDRs.map(\.family)
    let served = withPorts.union(facts)
    return served.isEmpty ? [.v4] : IPFamily.allCases.filter { served.contains($0) }
  }

  /// The service ports to compile (claims on one destination resolved) and every warning
  /// about the input: the reconciler's, lost claims, NodePorts that accept no traffic.
  static func prepare(_ state: ProxyState, node: NodeConfig) -> (ports: [ServicePortInfo], warnings: [String]) {
    let resolved = DestinationClaims.resolve(state.servicePorts)
    var warnings = state.warnings + resolved.warnings
    for family in IPFamily.allCases where resolved.ports.contains(where: { $0.family == family && $0.nodePort != 0 }) {
      if let w = noNodePortAddressWarning(family, node: node) { warnings.append(w) }
    }
    return (resolved.ports, warnings)
  }

  /// Why `family`'s NodePorts accept no traffic, if they accept none: no node IP of the family
  /// is known, or none is inside the `--nodeport-addresses` CIDRs, or those name no CIDR of
  /// the family.
  static func noNodePortAddressWarning(_ family: IPFamily, node: NodeConfig) -> String? {
    guard node.nodePortIPs(family)?.isEmpty == true else { return nil }
    let f = family.rawValue
    let consequence = "\(f) NodePorts accept no traffic"
    let nodeIPs = node.nodeIPs.filter { $0.family == family && !$0.isLoopback }
    if case .cidrs(let cidrs) = node.nodePortAddresses {
      let mine = cidrs.filter { $0.family == family }
      let listed = cidrs.map(\.description).joined(separator: ", ")
      if mine.isEmpty {
        return "--nodeport-addresses (\(listed)) has no \(f) CIDR: \(consequence)"
      }
      if !nodeIPs.isEmpty {
        return
          "no \(f) node IP (\(nodeIPs.map(\.description).joined(separator: ", "))) is inside --nodeport-addresses (\(mine.map(\.description).joined(separator: ", "))): \(consequence)"
      }
    }
    return "no \(f) node IP is known (--node-ip or a Node object): \(consequence)"
  }

  static func table(_ ctx: FamilyContext, _ out: FamilyRules) -> Table {
    table(
      ctx, shared: Dictionary(uniqueKeysWithValues: out.sharedElements.map { ($0.set, $0.elements) }), chains: out.chains,
      affinitySets: out.affinitySets, counters: out.counters)
  }

  /// The table from its service ports' parts: `shared` holds the elements of each shared set
  /// and each picker's destination bundles (by the picker's name), in claim order.
  static func table(
    _ ctx: FamilyContext, shared: [String: [Element]], chains: [Chain], affinitySets: [NFTSet], counters: [CounterObject]
  ) -> Table {
    var sets = Skeleton.sets(ctx)
    for i in sets.indices {
      if sets[i].name == Names.nodePortIPsSet {
        sets[i].elements = (ctx.nodePortIPs ?? []).map { Element([.address($0)]) }
      } else if let elements = shared[sets[i].name] {
        sets[i].elements = elements
      }
    }
    if ctx.nodePortIPs == nil {
      sets.removeAll { $0.name == Names.nodePortIPsSet }
    }
    var pickChains: [Chain] = []
    for p in EndpointPicker.allCases {
      var slots: [Int: [Element]] = [:]
      var members: [Int: [Element]] = [:]
      for bundle in shared[p.name] ?? [] {
        let n = EndpointPicker.count(bundle)
        let x = p.expand(bundle)
        slots[n, default: []] += x.slots
        members[EndpointPicker.group(n), default: []].append(x.member)
      }
      let groups = EndpointPicker.groups(Array(slots.keys))
      pickChains.append(p.entryChain(ctx, groups: groups.map(\.group)))
      for (g, counts) in groups {
        var set = p.groupSetDeclaration(ctx, g)
        set.elements = members[g]!
        sets.append(set)
        pickChains.append(p.groupChain(g, counts: counts))
        for n in counts {
          var map = p.mapDeclaration(ctx, n)
          map.elements = slots[n]!
          sets.append(map)
          pickChains.append(p.countChain(ctx, n))
        }
      }
    }
    return Table(
      family: ctx.tableFamily, name: Names.table, comment: Names.tableComment, counters: counters,
      sets: sets + affinitySets,
      chains: Skeleton.baseChains(ctx) + Skeleton.fixedChains(ctx) + pickChains + chains)
  }
}

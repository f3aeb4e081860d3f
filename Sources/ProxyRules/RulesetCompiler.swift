// The compiler's entry point: reconciler state + node config -> the complete ruleset of
// kproxy's two tables (`ip kproxy`, `ip6 kproxy`), deterministic for the same input.
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
    var tables: [Table] = []
    var warnings: [String] = []
    for family in IPFamily.allCases {
      let ctx = FamilyContext(family, node: node)
      let ports = state.servicePorts(family)
      var out = FamilyRules(servicePorts: ports.count, endpoints: ports.reduce(0) { $0 + $1.endpoints.count })
      for svc in ports {
        ServicePortRules(ctx: ctx, svc: svc).add(into: &out)
      }
      if ctx.nodePortIPs?.isEmpty == true, ports.contains(where: { $0.nodePort != 0 }) {
        out.warnings.append(
          "no \(family.rawValue) node IP is known (--node-ip or a Node object): \(family.rawValue) NodePorts accept no traffic")
      }
      warnings += out.warnings
      tables.append(table(ctx, out))
    }
    return CompiledRuleset(ruleset: Ruleset(tables: tables), warnings: warnings)
  }

  static func table(_ ctx: FamilyContext, _ out: FamilyRules) -> Table {
    var sets = Skeleton.sets(ctx)
    let shared = Dictionary(uniqueKeysWithValues: out.sharedElements.map { ($0.set, $0.elements) })
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
      for bundle in out.pickers[p.rawValue].elements {
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
      family: ctx.tableFamily, name: Names.table, comment: Names.tableComment,
      sets: sets + out.affinitySets,
      chains: Skeleton.baseChains() + Skeleton.fixedChains(ctx) + pickChains + out.chains)
  }
}

// Reads kproxy's own table back into service ports (the inverse of the compiler's layout, see
// Names.swift): destinations from the dispatch, picker and no-endpoint maps, endpoints from the
// pickers' slot maps or the policy chains' DNAT rules, counters and affinity sets by name.
import NFTables
import NetAddress

public enum ProgrammedServices {
  /// The service ports one of kproxy's tables programs, sorted by name. Tables of other
  /// owners give nothing useful; the reader trusts only kproxy's naming.
  public static func read(_ table: Table) -> [ProgrammedServicePort] {
    var reader = TableReading(table)
    return reader.servicePorts()
  }

  /// `namespace/name:port` from a per-service-port name base `HASH-namespace/name/proto/port`;
  /// nil for a base cut short with "..." (its comments name it instead).
  public static func servicePortName(base: String) -> String? {
    guard !base.hasSuffix("..."), let dash = base.firstIndex(of: "-") else { return nil }
    let parts = base[base.index(after: dash)...].split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 4 else { return nil }
    return parts[3].isEmpty ? "\(parts[0])/\(parts[1])" : "\(parts[0])/\(parts[1]):\(parts[3])"
  }
}

/// One pass over a table's sets and chains, indexed for `servicePorts()`.
private struct TableReading {
  let table: Table
  let sets: [String: NFTSet]
  let chains: [String: Chain]
  /// Counter name → the service port its comment names.
  let counterOwners: [String: String]

  init(_ table: Table) {
    self.table = table
    sets = Dictionary(table.sets.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    chains = Dictionary(table.chains.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
    var owners: [String: String] = [:]
    for c in table.counters { owners[c.name] = c.comment ?? c.name }
    counterOwners = owners
  }

  /// The service port a per-service chain (`service-`, `local-`, `external-BASE`) belongs to,
  /// spelled as element comments spell it (`Names.comment`: long names shortened alike).
  func owner(ofChain chain: String) -> String {
    var base = chain
    for prefix in ["service-", "local-", "external-"] where chain.hasPrefix(prefix) {
      base = String(chain.dropFirst(prefix.count))
      break
    }
    if let c = counterOwners[Names.counter(base)] { return c }
    return ProgrammedServices.servicePortName(base: base).map(Names.comment) ?? base
  }

  static func destination(_ key: [Value]) -> ProgrammedDestination? {
    switch key.count {
    case 3:
      guard case .address(let ip) = key[0], case .proto(let p) = key[1], case .port(let port) = key[2] else { return nil }
      return .address(ip, p, port)
    case 2:
      guard case .proto(let p) = key[0], case .port(let port) = key[1] else { return nil }
      return .nodePort(p, port)
    default: return nil
    }
  }

  /// Per picker, each destination's endpoints in slot order and the owner named by its
  /// group-set member's comment.
  func pickerData() -> [EndpointPicker: [ProgrammedDestination: (endpoints: [ProgrammedEndpoint], owner: String?)]] {
    var out: [EndpointPicker: [ProgrammedDestination: (endpoints: [ProgrammedEndpoint], owner: String?)]] = [:]
    for p in EndpointPicker.allCases {
      var slots: [ProgrammedDestination: [(UInt32, ProgrammedEndpoint)]] = [:]
      var owners: [ProgrammedDestination: String] = [:]
      for s in table.sets where s.name.hasPrefix(p.name + "-") {
        // `endpoints-N` maps vs `endpoints-LOtoHI` sets (and not `endpoints-…` of a longer
        // picker name such as nodeport-endpoints: those do not start with this prefix).
        let suffix = s.name.dropFirst(p.name.count + 1)
        if Int(suffix) != nil {
          for e in s.elements {
            guard let slot = e.key.last, case .integer(let i) = slot, let d = Self.destination(Array(e.key.dropLast())),
              case .values(let data)? = e.data, data.count == 2, case .address(let ip) = data[0], case .port(let port) = data[1]
            else { continue }
            slots[d, default: []].append((i, ProgrammedEndpoint(address: ip, port: port)))
          }
        } else if suffix.contains("to") {
          for e in s.elements {
            guard let d = Self.destination(e.key) else { continue }
            if let c = e.comment { owners[d] = c }
          }
        }
      }
      var mine: [ProgrammedDestination: (endpoints: [ProgrammedEndpoint], owner: String?)] = [:]
      for (d, s) in slots { mine[d] = (s.sorted { $0.0 < $1.0 }.map(\.1), owners[d]) }
      for (d, o) in owners where mine[d] == nil { mine[d] = ([], o) }
      out[p] = mine
    }
    return out
  }

  /// The endpoints a policy chain DNATs to (affinity rules and random picks alike), in order,
  /// and the affinity set of each.
  func chainEndpoints(_ name: String) -> (endpoints: [ProgrammedEndpoint], affinity: [ProgrammedEndpoint: String]) {
    var endpoints: [ProgrammedEndpoint] = []
    var affinity: [ProgrammedEndpoint: String] = [:]
    for r in chains[name]?.rules ?? [] {
      var set: String?
      for e in r.exprs {
        if case .updateSet(_, let s) = e { set = s }
        if case .dnat(let ip, let port) = e {
          let ep = ProgrammedEndpoint(address: ip, port: port)
          if !endpoints.contains(ep) { endpoints.append(ep) }
          if let set { affinity[ep] = set }
        }
      }
    }
    return (endpoints, affinity)
  }

  /// The chain a rule list hands over to with `goto`/`jump` to `prefix`-named chains.
  func target(ofExternal chain: String) -> (chain: String, localOnly: Bool)? {
    let rules = chains[chain]?.rules ?? []
    let targets = rules.compactMap { r -> String? in
      for e in r.exprs { if case .verdict(let v) = e, let t = v.targetChain { return t } }
      return nil
    }
    // Outside traffic takes the last hand-over: `goto local-BASE` under the Local policy,
    // else `goto service-BASE` (the earlier ones short-circuit pod and node traffic).
    guard let last = targets.last else { return nil }
    return (last, last.hasPrefix("local-"))
  }

  mutating func servicePorts() -> [ProgrammedServicePort] {
    var ports: [String: ProgrammedServicePort] = [:]
    func port(_ name: String) -> ProgrammedServicePort {
      ports[name] ?? ProgrammedServicePort(name: name, family: table.family)
    }
    func add(_ name: String, _ route: ProgrammedRoute) {
      var p = port(name)
      if !p.routes.contains(where: { $0.destination == route.destination }) { p.routes.append(route) }
      ports[name] = p
    }
    let pickers = pickerData()
    var routed = Set<ProgrammedDestination>()

    // 1. Destinations with no usable endpoint (the filter chains act before any DNAT).
    for mapName in [Names.noEndpointServicesMap, Names.noEndpointNodePortsMap] {
      for e in sets[mapName]?.elements ?? [] {
        guard let d = Self.destination(e.key), case .verdict(let v)? = e.data else { continue }
        let target: ProgrammedTarget = v == .drop ? .drop : .reject
        routed.insert(d)
        add(e.comment ?? "?", ProgrammedRoute(destination: d, target: target))
      }
    }
    // 2. Destinations dispatched to a service port's chain (external traffic, affinity).
    for mapName in [Names.serviceIPsMap, Names.serviceNodePortsMap] {
      for e in sets[mapName]?.elements ?? [] {
        guard let d = Self.destination(e.key), !routed.contains(d), case .verdict(let v)? = e.data, let chain = v.targetChain else {
          continue
        }
        let name = owner(ofChain: chain)
        var policyChain = chain
        var localOnly = false
        if chain.hasPrefix("external-"), let t = target(ofExternal: chain) {
          policyChain = t.chain
          localOnly = t.localOnly
        }
        let isNodePort: Bool = { if case .nodePort = d { return true } else { return false } }()
        let picker: EndpointPicker =
          isNodePort ? (localOnly ? .nodePortLocal : .nodePort) : (localOnly || policyChain.hasPrefix("local-") ? .local : .service)
        var endpoints = pickers[picker]?[d]?.endpoints ?? []
        if endpoints.isEmpty {
          let fromChain = chainEndpoints(policyChain)
          endpoints = fromChain.endpoints
          var p = port(name)
          p.affinitySets.merge(fromChain.affinity) { a, _ in a }
          ports[name] = p
        }
        routed.insert(d)
        add(name, ProgrammedRoute(destination: d, target: .endpoints(endpoints, localOnly: localOnly)))
      }
    }
    // 3. ClusterIPs (and other destinations) served straight by the pickers.
    for p in EndpointPicker.allCases {
      for (d, data) in pickers[p] ?? [:] where !routed.contains(d) {
        add(data.owner ?? "?", ProgrammedRoute(destination: d, target: .endpoints(data.endpoints, localOnly: false)))
      }
    }
    // Counters, by the service port their comment names.
    for c in table.counters {
      let name = c.comment ?? c.name
      guard ports[name] != nil else { continue }
      ports[name]!.counter = c
    }
    return ports.values.map { p in
      var p = p
      p.routes.sort { $0.destination < $1.destination }
      return p
    }.sorted { $0.name < $1.name }
  }
}

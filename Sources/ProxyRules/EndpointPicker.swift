// The shared endpoint pickers: endpoint choice as data. For each endpoint count N in use, a
// picker has a map `destination . slot : endpoint address . port` holding the destinations
// with N endpoints and a chain DNATing to slot `numgen random mod N` of it. Counts are grouped
// by eight (1-8, 9-16, ...): the entry chain finds the destination's group with one set lookup
// per group in use and the group's chain tries its counts, so a new connection costs at most
// (groups in use + 8) lookups. Adding, removing or replacing an endpoint changes only elements
// (moving the destination between count maps and group sets), never a rule.
import NFTables
import ServiceProxy

/// Which destinations a picker serves and how it keys them.
enum EndpointPicker: Int, CaseIterable, Comparable {
  /// ClusterIP, externalIP and LoadBalancer IP destinations (`addr . proto . port`), endpoints
  /// of the internal policy for ClusterIPs and of the Cluster policy for external IPs.
  case service
  /// externalIP and LoadBalancer IP destinations under the Local external policy.
  case local
  /// NodePorts (`proto . port`, any local address), Cluster policy.
  case nodePort
  /// NodePorts under the Local external policy.
  case nodePortLocal

  static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }

  /// The picker's name: its maps are `NAME-N`, its claims on destinations are kept under it.
  var name: String {
    switch self {
    case .service: "endpoints"
    case .local: "local-endpoints"
    case .nodePort: "nodeport-endpoints"
    case .nodePortLocal: "nodeport-local-endpoints"
    }
  }

  /// The entry chain: one set lookup and `goto` per count group in use.
  var chain: String {
    switch self {
    case .service: "pick-endpoint"
    case .local: "pick-local-endpoint"
    case .nodePort: "pick-nodeport-endpoint"
    case .nodePortLocal: "pick-nodeport-local-endpoint"
    }
  }

  /// The map of destinations with `n` endpoints.
  func map(_ n: Int) -> String { name + "-" + String(n) }
  /// The chain that DNATs destinations with `n` endpoints.
  func countChainName(_ n: Int) -> String { chain + "-" + String(n) }

  /// Counts per group: group `g` holds the counts `8g+1 ... 8g+8`.
  static let groupWidth = 8
  static func group(_ n: Int) -> Int { (n - 1) / groupWidth }
  static func groupRange(_ g: Int) -> String { "\(g * groupWidth + 1)to\((g + 1) * groupWidth)" }
  /// The set of destinations whose count is in group `g` (`NAME-1to8`).
  func groupSet(_ g: Int) -> String { name + "-" + Self.groupRange(g) }
  /// The chain trying the counts of group `g` (`CHAIN-1to8`).
  func groupChainName(_ g: Int) -> String { chain + "-" + Self.groupRange(g) }

  var isNodePort: Bool { self == .nodePort || self == .nodePortLocal }

  /// The destination fields the picker is keyed by.
  func keyFields(_ ctx: FamilyContext) -> [Field] { isNodePort ? [.l4proto, .thDport] : [ctx.daddr, .l4proto, .thDport] }

  func keyTypes(_ ctx: FamilyContext) -> [DataType] {
    isNodePort ? [.inetProto, .inetService] : [ctx.addressType, .inetProto, .inetService]
  }

  /// `map NAME-N { typeof KEY . numgen random mod N : ip daddr . th dport }`.
  func mapDeclaration(_ ctx: FamilyContext, _ n: Int) -> NFTSet {
    NFTSet(
      name: map(n), keyType: keyTypes(ctx) + [.integer], dataType: [ctx.addressType, .inetService],
      typeof: SetTypeof(key: keyFields(ctx) + [.numgenRandom(mod: UInt32(n))], data: [ctx.daddr, .thDport]),
      comment: n == 1 ? "destinations with 1 endpoint" : "destinations with \(n) endpoints")
  }

  /// `dnat ip to KEY . numgen random mod N map @NAME-N`: a destination without N endpoints
  /// has no element for the slot, so the lookup fails and the rule does not match.
  func countChain(_ ctx: FamilyContext, _ n: Int) -> Chain {
    Chain(
      name: countChainName(n),
      rules: [Rule([.dnatMap(keyFields(ctx) + [.numgenRandom(mod: UInt32(n))], map: map(n), version: ctx.version)])])
  }

  func groupSetDeclaration(_ ctx: FamilyContext, _ g: Int) -> NFTSet {
    NFTSet(
      name: groupSet(g), keyType: keyTypes(ctx),
      comment: "destinations with \(g * Self.groupWidth + 1) to \((g + 1) * Self.groupWidth) endpoints")
  }

  /// The declaration of this picker's map `NAME-N` or group set `NAME-LOtoHI` called `set`
  /// (the inverse of `map` and `groupSet`); nil for any other name.
  func declaration(ofSet set: String, _ ctx: FamilyContext) -> NFTSet? {
    guard set.hasPrefix(name + "-") else { return nil }
    let suffix = set.dropFirst(name.count + 1)
    if let n = Int(suffix), map(n) == set { return mapDeclaration(ctx, n) }
    let bounds = suffix.split(separator: "to", omittingEmptySubsequences: false)
    guard bounds.count == 2, let lo = Int(bounds[0]), lo >= 1, groupSet(Self.group(lo)) == set else { return nil }
    return groupSetDeclaration(ctx, Self.group(lo))
  }

  /// The entry chain: `KEY @NAME-1to8 goto CHAIN-1to8` for each group in use, ascending.
  func entryChain(_ ctx: FamilyContext, groups: [Int]) -> Chain {
    Chain(
      name: chain,
      rules: groups.map { Rule([.lookup(keyFields(ctx), set: groupSet($0), negated: false), .verdict(.goto(groupChainName($0)))]) })
  }

  /// A group's chain: `jump CHAIN-N` for each count of the group in use, ascending.
  func groupChain(_ g: Int, counts: [Int]) -> Chain {
    Chain(name: groupChainName(g), rules: counts.map { Rule([.verdict(.jump(countChainName($0)))]) })
  }

  /// The groups of `counts` (sorted, unique) and each group's counts.
  static func groups(_ counts: [Int]) -> [(group: Int, counts: [Int])] {
    var out: [(group: Int, counts: [Int])] = []
    for n in counts.sorted() {
      if out.last?.group == group(n) { out[out.count - 1].counts.append(n) } else { out.append((group(n), [n])) }
    }
    return out
  }

  /// A destination's endpoints as one value: the picker's claim on the key (so that the key's
  /// elements always come from one service port, the same one in full and incremental
  /// compiles). Expanded into real elements by `expand`.
  static func bundle(key: [Value], _ endpoints: [EndpointInfo], owner: ServicePortName) -> Element {
    var data: [Value] = []
    data.reserveCapacity(endpoints.count * 2)
    for ep in endpoints {
      data.append(.address(ep.ip))
      data.append(.port(UInt16(ep.port)))
    }
    return Element(key, data: .values(data), comment: Names.comment(owner))
  }

  /// The number of endpoints in a bundle.
  static func count(_ bundle: Element) -> Int {
    guard case .values(let v)? = bundle.data else { return 0 }
    return v.count / 2
  }

  /// What a bundle puts in the kernel: its slots (`KEY . i : EP_i`) in the map of its count,
  /// and its key (with the owner as comment) in the set of its count's group.
  func expand(_ bundle: Element) -> (map: String, slots: [Element], groupSet: String, member: Element) {
    let n = Self.count(bundle)
    var slots: [Element] = []
    if case .values(let v)? = bundle.data {
      slots.reserveCapacity(n)
      for i in 0..<n { slots.append(Element(bundle.key + [.integer(UInt32(i))], data: .values([v[2 * i], v[2 * i + 1]]))) }
    }
    return (map(n), slots, groupSet(Self.group(n)), Element(bundle.key, comment: bundle.comment))
  }
}

// The shared endpoint pickers: endpoint choice as data. For each endpoint count N in use, a
// picker has a map `destination . slot : endpoint address . port` holding the destinations
// with N endpoints and a chain DNATing to slot `numgen random mod N` of it; the picker's entry
// chain jumps to each. Adding, removing or replacing an endpoint changes only elements
// (moving the destination to another count's map), never a rule.
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

  /// The entry chain: one `jump` per endpoint count in use.
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
  func classChain(_ n: Int) -> String { chain + "-" + String(n) }

  var isNodePort: Bool { self == .nodePort || self == .nodePortLocal }

  /// The destination fields the picker is keyed by.
  func keyFields(_ ctx: FamilyContext) -> [Field] { isNodePort ? [.l4proto, .thDport] : [ctx.daddr, .l4proto, .thDport] }

  func keyTypes(_ ctx: FamilyContext) -> [DataType] { isNodePort ? [.inetProto, .inetService] : [ctx.addressType, .inetProto, .inetService] }

  /// `map NAME-N { typeof KEY . numgen random mod N : ip daddr . th dport }`.
  func mapDeclaration(_ ctx: FamilyContext, _ n: Int) -> NFTSet {
    NFTSet(
      name: map(n), keyType: keyTypes(ctx) + [.integer], dataType: [ctx.addressType, .inetService],
      typeof: SetTypeof(key: keyFields(ctx) + [.numgenRandom(mod: UInt32(n))], data: [ctx.daddr, .thDport]),
      comment: n == 1 ? "destinations with 1 endpoint" : "destinations with \(n) endpoints")
  }

  /// `dnat ip to KEY . numgen random mod N map @NAME-N`: a destination without N endpoints
  /// has no element for the slot, so the lookup fails and the rule does not match.
  func classChain(_ ctx: FamilyContext, _ n: Int) -> Chain {
    Chain(
      name: classChain(n),
      rules: [Rule([.dnatMap(keyFields(ctx) + [.numgenRandom(mod: UInt32(n))], map: map(n), version: ctx.version)])])
  }

  /// The entry chain: `jump CHAIN-N` for each count in use, ascending.
  func chain(counts: [Int]) -> Chain {
    Chain(name: chain, rules: counts.map { Rule([.verdict(.jump(classChain($0)))]) })
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
    return Element(key, data: .values(data), comment: owner.description)
  }

  /// The number of endpoints in a bundle.
  static func count(_ bundle: Element) -> Int {
    guard case .values(let v)? = bundle.data else { return 0 }
    return v.count / 2
  }

  /// The map a bundle's slots go to and its elements (`KEY . i : EP_i`).
  func expand(_ bundle: Element) -> (map: String, slots: [Element]) {
    guard case .values(let v)? = bundle.data else { return (map(0), []) }
    var slots: [Element] = []
    slots.reserveCapacity(v.count / 2)
    for i in 0..<(v.count / 2) {
      slots.append(Element(bundle.key + [.integer(UInt32(i))], data: .values([v[2 * i], v[2 * i + 1]])))
    }
    return (map(v.count / 2), slots)
  }
}

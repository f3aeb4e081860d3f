// Rules for one service port in one family: its claims on the shared endpoint pickers (or,
// with ClientIP affinity, its own policy chains with inline `numgen` rules), its external
// chain, and its elements in the shared dispatch, no-endpoint, firewall and hairpin sets.
import KubeAPI
import NFTables
import NetAddress
import ServiceProxy

/// Everything the compiler accumulates for one family's table.
struct FamilyRules {
  var chains: [Chain] = []
  /// The service ports' counter objects (with counters on).
  var counters: [CounterObject] = []
  var affinitySets: [NFTSet] = []
  var affinitySetNames = Set<String>()
  var clusterIPs: ElementTable<IPAddressKey>
  var serviceIPs: ElementTable<ServiceKey>
  var serviceNodePorts = ElementTable<PortKey>()
  var noEndpointServices = ElementTable<ServiceKey>()
  var noEndpointNodePorts = ElementTable<PortKey>()
  var firewallIPs = ElementTable<ServiceKey>()
  var firewallAllow = ElementTable<[Value]>()
  var hairpin: ElementTable<IPAddressKey>
  var serviceCounters = ElementTable<ServiceKey>()
  var nodePortCounters = ElementTable<PortKey>()
  /// Per picker, each destination's endpoints as one bundle element (`EndpointPicker.bundle`).
  var pickers: [ElementTable<ServiceKey>] = EndpointPicker.allCases.map { _ in ElementTable() }
  var warnings: [String] = []

  init(servicePorts: Int, endpoints: Int) {
    clusterIPs = ElementTable(capacity: servicePorts)
    serviceIPs = ElementTable(capacity: servicePorts)
    hairpin = ElementTable(capacity: endpoints)
    chains.reserveCapacity(servicePorts)
  }

  /// The accumulated elements of each shared set or map, by its name.
  var sharedElements: [(set: String, elements: [Element])] {
    [
      (Names.clusterIPsSet, clusterIPs.elements), (Names.serviceIPsMap, serviceIPs.elements),
      (Names.serviceNodePortsMap, serviceNodePorts.elements), (Names.noEndpointServicesMap, noEndpointServices.elements),
      (Names.noEndpointNodePortsMap, noEndpointNodePorts.elements), (Names.firewallIPsSet, firewallIPs.elements),
      (Names.firewallAllowSet, firewallAllow.elements), (Names.hairpinSet, hairpin.elements),
      (Names.serviceCountersMap, serviceCounters.elements), (Names.nodePortCountersMap, nodePortCounters.elements),
    ] + EndpointPicker.allCases.map { ($0.name, pickers[$0.rawValue].elements) }
  }
}

extension IPAddress {
  var key: IPAddressKey {
    switch self {
    case .v4(let a): IPAddressKey(high: 0, low: UInt64(a.value) | 1 << 32)
    case .v6(let a): IPAddressKey(high: a.high, low: a.low)
    }
  }
}

/// Maximum clients remembered per endpoint of a ClientIP-affinity service (a dynamic set
/// defaults to 65535 and silently stops matching when full).
let affinitySetSize = 1 << 20

extension L4Protocol {
  var ipProto: IPProto {
    switch self {
    case .tcp: .tcp
    case .udp: .udp
    case .sctp: .sctp
    }
  }
}

struct ServicePortRules {
  let ctx: FamilyContext
  let svc: ServicePortInfo

  var proto: IPProto { svc.name.protocol_.ipProto }
  var comment: String { Names.comment(svc.name) }

  func key(_ ip: IPAddress, _ port: Int) -> [Value] { [.address(ip), .proto(proto), .port(UInt16(port))] }
  func serviceKey(_ ip: IPAddress, _ port: Int) -> ServiceKey { ServiceKey(ip: ip.key, proto: proto.rawValue, port: UInt16(port)) }
  func nodePortKey() -> [Value] { [.proto(proto), .port(UInt16(svc.nodePort))] }
  var nodePortTableKey: PortKey { PortKey(proto: proto.rawValue, port: UInt16(svc.nodePort)) }

  func add(into out: inout FamilyRules) {
    let cats = EndpointCategories(svc)
    let base = Names.servicePortBase(svc.name)
    let clusterChain = Names.clusterChain(base)
    let localChain = Names.localChain(base)
    let externalChain = Names.externalChain(base)

    let usesClusterChain = !cats.cluster.isEmpty && svc.usesClusterEndpoints
    let usesLocalChain = !cats.local.isEmpty && svc.usesLocalEndpoints
    let hasEndpoints = cats.hasAnyEndpoints
    let internalChain = svc.internalPolicyLocal ? localChain : clusterChain
    let hasInternalEndpoints = hasEndpoints && (!svc.internalPolicyLocal || !cats.local.isEmpty)
    let hasExternalEndpoints = hasEndpoints && (!svc.externalPolicyLocal || !cats.local.isEmpty)
    let usesExternalChain = hasEndpoints && svc.externallyAccessible
    // Without affinity, endpoints are data in the shared pickers; with it, each policy has
    // its own chain (the affinity sets remember the endpoint per client).
    let picks = svc.affinityTimeoutSeconds == nil
    // With the pickers, the Local policy's endpoints serve only external traffic under the
    // Local external policy (a ClusterIP under the Local internal policy picks them itself).
    let picksLocal = picks && usesLocalChain && svc.externalPolicyLocal
    let dstKeys = svc.externalIPs.map { ($0, "externalIP") } + svc.loadBalancerIPs.map { ($0, "loadBalancer IP") }

    // Filter verdicts for destinations without usable endpoints: REJECT when the service
    // has none at all, DROP when only the Local policy has none.
    let noEndpointVerdict: Verdict = hasEndpoints ? .drop : .goto(Names.rejectChain)

    out.clusterIPs.add(svc.clusterIP.key, Element([.address(svc.clusterIP)]), owner: nil)
    if ctx.counters { addCounter(base, dstKeys.map(\.0), into: &out) }

    // ClusterIP.
    if hasInternalEndpoints && picks {
      pick(
        .service, key(svc.clusterIP, svc.port), serviceKey(svc.clusterIP, svc.port), svc.internalPolicyLocal ? cats.local : cats.cluster,
        &out, "clusterIP")
    } else if hasInternalEndpoints {
      claim(
        &out.serviceIPs, serviceKey(svc.clusterIP, svc.port), Element(key(svc.clusterIP, svc.port), data: .verdict(.goto(internalChain))),
        &out.warnings, "clusterIP")
    } else {
      claim(
        &out.noEndpointServices, serviceKey(svc.clusterIP, svc.port),
        Element(key(svc.clusterIP, svc.port), data: .verdict(noEndpointVerdict), comment: comment), &out.warnings, "clusterIP")
    }
    // externalIPs and LoadBalancer ingress IPs.
    for (ip, what) in dstKeys {
      if picks && usesClusterChain { pick(.service, key(ip, svc.port), serviceKey(ip, svc.port), cats.cluster, &out, what) }
      if picksLocal { pick(.local, key(ip, svc.port), serviceKey(ip, svc.port), cats.local, &out, what) }
      if hasEndpoints {
        claim(
          &out.serviceIPs, serviceKey(ip, svc.port), Element(key(ip, svc.port), data: .verdict(.goto(externalChain))), &out.warnings, what)
      }
      if !hasExternalEndpoints {
        claim(
          &out.noEndpointServices, serviceKey(ip, svc.port),
          Element(key(ip, svc.port), data: .verdict(noEndpointVerdict), comment: comment), &out.warnings, what)
      }
    }
    // loadBalancerSourceRanges: the LB IPs are filtered; allowed sources are listed per IP.
    if !svc.loadBalancerIPs.isEmpty && !svc.loadBalancerSourceRanges.isEmpty {
      // A VIP-style load balancer may route the node's own requests back with the VIP as
      // source: when a range admits the node, admit the LB IPs too (as kube-proxy does).
      let allowFromNode = svc.loadBalancerSourceRanges.contains { r in ctx.nodeIPs.contains { r.contains($0) } }
      for lb in svc.loadBalancerIPs {
        out.firewallIPs.add(serviceKey(lb, svc.port), Element(key(lb, svc.port)), owner: svc.name)
        for range in svc.loadBalancerSourceRanges {
          let k = key(lb, svc.port) + [.prefix(range)]
          out.firewallAllow.add(k, Element(k), owner: svc.name)
        }
        if allowFromNode {
          for source in svc.loadBalancerIPs {
            let k = key(lb, svc.port) + [.prefix(IPPrefix(address: source, length: source.family == .v4 ? 32 : 128))]
            out.firewallAllow.add(k, Element(k), owner: svc.name)
          }
        }
      }
    }
    // NodePort.
    if svc.nodePort != 0 {
      let portKey = ServiceKey(ip: IPAddressKey(high: 0, low: 0), proto: proto.rawValue, port: UInt16(svc.nodePort))
      if picks && usesClusterChain { pick(.nodePort, nodePortKey(), portKey, cats.cluster, &out, "nodePort") }
      if picksLocal { pick(.nodePortLocal, nodePortKey(), portKey, cats.local, &out, "nodePort") }
      if hasEndpoints {
        claim(
          &out.serviceNodePorts, nodePortTableKey, Element(nodePortKey(), data: .verdict(.goto(externalChain))), &out.warnings, "nodePort")
      }
      if !hasExternalEndpoints {
        claim(
          &out.noEndpointNodePorts, nodePortTableKey, Element(nodePortKey(), data: .verdict(noEndpointVerdict), comment: comment),
          &out.warnings, "nodePort")
      }
    }

    // Chains. ClusterIP traffic is marked for masquerade centrally, in `services`. With the
    // pickers, policy chains exist only for external traffic and only hand over to them.
    if picks {
      if usesClusterChain && usesExternalChain { out.chains.append(pickerChain(clusterChain, .service, .nodePort, dstKeys.isEmpty)) }
      if picksLocal && usesExternalChain { out.chains.append(pickerChain(localChain, .local, .nodePortLocal, dstKeys.isEmpty)) }
    } else {
      if usesClusterChain { out.chains.append(policyChain(clusterChain, cats.cluster, into: &out)) }
      if usesLocalChain { out.chains.append(policyChain(localChain, cats.local, into: &out)) }
    }
    if usesExternalChain {
      out.chains.append(
        Chain(
          name: externalChain,
          rules: externalRules(clusterChain: clusterChain, localChain: localChain, hasExternalEndpoints: hasExternalEndpoints)))
    }
    // Hairpin: a pod reaching itself through the service. Its connection is DNATed on its own
    // node, so only endpoints on this node can hairpin here (and those of unknown node).
    for ep in cats.allReachable where ep.isLocal || ep.nodeName == nil {
      out.hairpin.add(ep.ip.key, Element([.address(ep.ip), .address(ep.ip)]), owner: nil)
    }
  }

  /// The service port's counter and the counter maps' elements naming it for each of its
  /// destinations. Claimed silently: a destination two ports claim is reported by its
  /// dispatch claims, and counts for the port that wins it there (the first).
  private func addCounter(_ base: String, _ externalIPs: [IPAddress], into out: inout FamilyRules) {
    let counter = Names.counter(base)
    out.counters.append(CounterObject(name: counter, comment: comment))
    for ip in [svc.clusterIP] + externalIPs {
      out.serviceCounters.add(serviceKey(ip, svc.port), Element(key(ip, svc.port), data: .object(counter)), owner: svc.name)
    }
    if svc.nodePort != 0 {
      out.nodePortCounters.add(nodePortTableKey, Element(nodePortKey(), data: .object(counter)), owner: svc.name)
    }
  }

  /// Claims `key` in `picker` with `endpoints` (nothing for an empty list: the no-endpoint
  /// maps handle those destinations). A conflict is reported once, as `what`, even when the
  /// dispatch map's claim on the same destination reports it too.
  private func pick(
    _ picker: EndpointPicker, _ key: [Value], _ tableKey: ServiceKey, _ endpoints: [EndpointInfo], _ out: inout FamilyRules, _ what: String
  ) {
    guard !endpoints.isEmpty else { return }
    claim(&out.pickers[picker.rawValue], tableKey, EndpointPicker.bundle(key: key, endpoints, owner: svc.name), &out.warnings, what)
  }

  /// A policy chain of a service without affinity: hands external traffic to the picker of
  /// its destination (LB/external IPs first; NodePort traffic falls through to the NodePort
  /// picker).
  private func pickerChain(_ name: String, _ byAddress: EndpointPicker, _ byNodePort: EndpointPicker, _ noAddresses: Bool) -> Chain {
    var rules: [Rule] = []
    if !noAddresses { rules.append(Rule([.verdict(svc.nodePort != 0 ? .jump(byAddress.chain) : .goto(byAddress.chain))])) }
    if svc.nodePort != 0 { rules.append(Rule([.verdict(.goto(byNodePort.chain))])) }
    return Chain(name: name, rules: rules)
  }

  private func claim<K>(_ table: inout ElementTable<K>, _ key: K, _ e: Element, _ warnings: inout [String], _ what: String) {
    if let earlier = table.add(key, e, owner: svc.name) {
      let who = earlier.map { "\($0)" } ?? "another service"
      let warning = "\(svc.name): \(what) \(e.key.map(Self.text).joined(separator: " . ")) is already used by \(who); ignored"
      if !warnings.contains(warning) { warnings.append(warning) }
    }
  }

  static func text(_ v: Value) -> String {
    switch v {
    case .address(let a): a.description
    case .prefix(let p): p.description
    case .proto(let p): p.name
    case .port(let p): String(p)
    case .integer(let i): String(i)
    case .ctState(let s): s.name
    case .ctStatus(let s): s.name
    case .fibType(let t): t.name
    }
  }

  /// A policy chain: affinity lookups, then one DNAT rule per endpoint where rule i matches
  /// `numgen random mod (n - i) 0` (uniform choice, no map).
  private func policyChain(_ name: String, _ endpoints: [EndpointInfo], into out: inout FamilyRules) -> Chain {
    var rules: [Rule] = []
    var affinity: [String?] = Array(repeating: nil, count: endpoints.count)
    if let timeout = svc.affinityTimeoutSeconds {
      for (i, ep) in endpoints.enumerated() {
        let set = Names.affinitySet(Names.endpointBase(svc.name, ep))
        affinity[i] = set
        if out.affinitySetNames.insert(set).inserted {
          out.affinitySets.append(
            NFTSet(name: set, keyType: [ctx.addressType], flags: [.dynamic, .timeout], timeoutSeconds: timeout, size: affinitySetSize))
        }
      }
      for (i, ep) in endpoints.enumerated() {
        rules.append(Rule(dnat(ep, affinity[i], after: .lookup([ctx.saddr], set: affinity[i]!, negated: false))))
      }
    }
    let n = endpoints.count
    rules.reserveCapacity(rules.count + n)
    for (i, ep) in endpoints.enumerated() {
      let pick: Expr? = i < n - 1 ? .cmp(.numgenRandom(mod: UInt32(n - i)), .eq, .integer(0)) : nil
      rules.append(Rule(dnat(ep, affinity[i], after: pick)))
    }
    return Chain(name: name, rules: rules)
  }

  /// `[MATCH] [update @affinity { ip saddr }] meta l4proto P dnat to EP:PORT`.
  private func dnat(_ ep: EndpointInfo, _ affinitySet: String?, after match: Expr?) -> [Expr] {
    var e: [Expr] = []
    e.reserveCapacity(4)
    if let match { e.append(match) }
    if let affinitySet { e.append(.updateSet([ctx.saddr], set: affinitySet)) }
    e.append(.cmp(.l4proto, .eq, .proto(proto)))
    e.append(.dnat(ep.ip, port: UInt16(ep.port)))
    return e
  }

  /// The external chain: masquerade and use all endpoints (Cluster policy), or keep the
  /// client address and use local endpoints (Local policy), short-circuiting pod and host
  /// traffic to all endpoints as kube-proxy does.
  private func externalRules(clusterChain: String, localChain: String, hasExternalEndpoints: Bool) -> [Rule] {
    var rules: [Rule] = []
    if !svc.externalPolicyLocal {
      rules.append(Rule([.markOr(Names.masqueradeMark)]))
      if hasExternalEndpoints { rules.append(Rule([.verdict(.goto(clusterChain))])) }
      return rules
    }
    if let fromPods = ctx.fromPods {
      rules.append(Rule([fromPods, .verdict(.goto(clusterChain))], comment: "short-circuit pod traffic"))
    }
    rules.append(Rule([.cmp(.fibSaddrType, .eq, .fibType(.local)), .markOr(Names.masqueradeMark)], comment: "masquerade local traffic"))
    rules.append(Rule([.cmp(.fibSaddrType, .eq, .fibType(.local)), .verdict(.goto(clusterChain))], comment: "short-circuit local traffic"))
    if hasExternalEndpoints { rules.append(Rule([.verdict(.goto(localChain))])) }
    return rules
  }
}

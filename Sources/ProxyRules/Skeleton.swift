// The fixed part of each family's table: base chains hooked into netfilter, the dispatch and
// check chains they jump to, and the declarations of the shared sets and maps.
import NFTables
import NetAddress

enum Skeleton {
  static let ctNew: Expr = .cmp(.ctState, .eq, .ctState(.new))

  /// Base chains, in the order kube-proxy declares them. Filter chains run before DNAT
  /// (dstnat - 10) so that they see the original destination. With counters, the prerouting
  /// and output filter chains first count every packet to a service destination.
  static func baseChains(_ ctx: FamilyContext) -> [Chain] {
    let filterPrio = BaseChain.dstnatPriority - 10
    func jumps(_ targets: [String], ctNew: Bool) -> [Rule] {
      targets.map { Rule((ctNew ? [Self.ctNew] : []) + [.verdict(.jump($0))]) }
    }
    let counting = countingRules(ctx)
    return [
      Chain(
        name: "filter-prerouting", base: BaseChain(type: .filter, hook: .prerouting, priority: filterPrio),
        rules: counting + jumps([Names.firewallCheck], ctNew: true)),
      Chain(
        name: "filter-input", base: BaseChain(type: .filter, hook: .input, priority: filterPrio),
        rules: jumps([Names.nodePortEndpointsCheck, Names.serviceEndpointsCheck], ctNew: true)),
      Chain(
        name: "filter-forward", base: BaseChain(type: .filter, hook: .forward, priority: filterPrio),
        rules: jumps([Names.serviceEndpointsCheck, Names.clusterIPsCheck], ctNew: true)),
      Chain(
        name: "filter-output", base: BaseChain(type: .filter, hook: .output, priority: filterPrio),
        rules: counting + jumps([Names.serviceEndpointsCheck, Names.firewallCheck], ctNew: true)),
      Chain(
        name: "filter-output-post-dnat", base: BaseChain(type: .filter, hook: .output, priority: BaseChain.dstnatPriority + 10),
        rules: jumps([Names.clusterIPsCheck], ctNew: true)),
      Chain(
        name: "nat-prerouting", base: BaseChain(type: .nat, hook: .prerouting, priority: BaseChain.dstnatPriority),
        rules: jumps([Names.services], ctNew: false)),
      Chain(
        name: "nat-output", base: BaseChain(type: .nat, hook: .output, priority: BaseChain.dstnatPriority),
        rules: jumps([Names.services], ctNew: false)),
      Chain(
        name: "nat-postrouting", base: BaseChain(type: .nat, hook: .postrouting, priority: BaseChain.srcnatPriority),
        rules: jumps([Names.masquerading], ctNew: false)),
    ]
  }

  /// `counter name DADDR . l4proto . th dport map @service-counters` and its NodePort twin:
  /// every packet (not only the first of a connection) to a service destination, before DNAT,
  /// counted in its service port's counter. One map lookup per packet; none without counters.
  static func countingRules(_ ctx: FamilyContext) -> [Rule] {
    guard ctx.counters else { return [] }
    return [
      Rule([.counterMap([ctx.daddr, .l4proto, .thDport], map: Names.serviceCountersMap)]),
      Rule(ctx.nodePortDestination + [.counterMap([.l4proto, .thDport], map: Names.nodePortCountersMap)]),
    ]
  }

  /// The regular chains every table has.
  static func fixedChains(_ ctx: FamilyContext) -> [Chain] {
    let servicePortKey: [Field] = [ctx.daddr, .l4proto, .thDport]
    let mark = Names.masqueradeMark
    var clusterIPsCheck = [
      Rule(
        [.lookup([ctx.daddr], set: Names.clusterIPsSet, negated: false), .reject],
        comment: "Reject traffic to invalid ports of ClusterIPs")
    ]
    for cidr in ctx.serviceCIDRs {
      clusterIPsCheck.append(
        Rule(
          [.cmp(ctx.daddr, .eq, .prefix(cidr)), .verdict(.drop)],
          comment: "Drop traffic to unallocated ClusterIPs"))
    }
    return [
      Chain(
        name: Names.services,
        rules: clusterIPMasquerade(ctx) + [
          Rule([.vmap(servicePortKey, map: Names.serviceIPsMap)]),
          Rule(ctx.nodePortDestination + [.vmap([.l4proto, .thDport], map: Names.serviceNodePortsMap)]),
          Rule([.verdict(.goto(EndpointPicker.service.chain))]),
        ]),
      Chain(
        name: Names.masquerading,
        rules: [
          Rule(
            [
              .cmp(.ctStatus, .eq, .ctStatus(.dnat)), .lookup([ctx.saddr, ctx.daddr], set: Names.hairpinSet, negated: false), .markOr(mark),
            ],
            comment: "hairpin: an endpoint reached itself through a service"),
          Rule([.maskedCmp(.mark, mask: mark, .eq, 0), .verdict(.return_)]),
          Rule([.markXor(mark)]),
          Rule([.masquerade(fullyRandom: true)]),
        ]),
      Chain(
        name: Names.firewallCheck,
        rules: [
          Rule(
            [
              .lookup(servicePortKey, set: Names.firewallIPsSet, negated: false),
              .lookup(servicePortKey + [ctx.saddr], set: Names.firewallAllowSet, negated: true),
              .verdict(.drop),
            ],
            comment: "loadBalancerSourceRanges")
        ]),
      Chain(
        name: Names.serviceEndpointsCheck,
        rules: [
          Rule([.vmap(servicePortKey, map: Names.noEndpointServicesMap)])
        ]),
      Chain(
        name: Names.nodePortEndpointsCheck,
        rules: [
          Rule(ctx.nodePortDestination + [.vmap([.l4proto, .thDport], map: Names.noEndpointNodePortsMap)])
        ]),
      Chain(name: Names.clusterIPsCheck, rules: clusterIPsCheck),
      Chain(name: Names.rejectChain, rules: [Rule([.reject])]),
    ]
  }

  /// Marks ClusterIP traffic for masquerade, once for all services (kube-proxy does it in each
  /// service's chain): all of it with masquerade-all, else what comes from outside the pod
  /// CIDRs, else nothing (no local-traffic detector). Packets to a ClusterIP that no service
  /// chain DNATs are rejected or dropped by the filter chains, so only proxied traffic keeps
  /// the mark.
  static func clusterIPMasquerade(_ ctx: FamilyContext) -> [Rule] {
    let toClusterIP: Expr = .lookup([ctx.daddr], set: Names.clusterIPsSet, negated: false)
    if ctx.masqueradeAll {
      return [Rule([toClusterIP, .markOr(Names.masqueradeMark)], comment: "masquerade all ClusterIP traffic")]
    }
    guard let notPods = ctx.notFromPods else { return [] }
    return [
      Rule([toClusterIP, notPods, .markOr(Names.masqueradeMark)], comment: "masquerade ClusterIP traffic from outside the pod CIDRs")
    ]
  }

  /// Declarations of the shared sets and maps (elements are filled by the compiler).
  static func sets(_ ctx: FamilyContext) -> [NFTSet] {
    let a = ctx.addressType
    var sets: [NFTSet] = [
      NFTSet(name: Names.clusterIPsSet, keyType: [a], comment: "Active ClusterIPs"),
      NFTSet(name: Names.nodePortIPsSet, keyType: [a], comment: "IPs that accept NodePort traffic"),
    ]
    if ctx.clusterCIDRs.count > 1 {
      sets.append(
        NFTSet(
          name: Names.clusterCIDRsSet, keyType: [a], flags: .interval, comment: "Pod CIDRs",
          elements: ctx.clusterCIDRs.map { Element([.prefix($0)]) }))
    }
    sets += [
      NFTSet(
        name: Names.firewallIPsSet, keyType: [a, .inetProto, .inetService],
        comment: "destinations that are subject to LoadBalancerSourceRanges"),
      NFTSet(
        name: Names.firewallAllowSet, keyType: [a, .inetProto, .inetService, a], flags: .interval,
        comment: "sources allowed by LoadBalancerSourceRanges"),
      NFTSet(name: Names.hairpinSet, keyType: [a, a], comment: "endpoint . endpoint, masqueraded when hairpinning"),
      NFTSet(
        name: Names.serviceIPsMap, keyType: [a, .inetProto, .inetService], dataType: [.verdict],
        comment: "ClusterIP, ExternalIP and LoadBalancer IP traffic"),
      NFTSet(
        name: Names.serviceNodePortsMap, keyType: [.inetProto, .inetService], dataType: [.verdict],
        comment: "NodePort traffic"),
      NFTSet(
        name: Names.noEndpointServicesMap, keyType: [a, .inetProto, .inetService], dataType: [.verdict],
        comment: "vmap to drop or reject packets to services with no endpoints"),
      NFTSet(
        name: Names.noEndpointNodePortsMap, keyType: [.inetProto, .inetService], dataType: [.verdict],
        comment: "vmap to drop or reject packets to service nodeports with no endpoints"),
    ]
    if ctx.counters {
      sets += [
        NFTSet(
          name: Names.serviceCountersMap, keyType: [a, .inetProto, .inetService], dataType: [.counter],
          comment: "the counter of each ClusterIP, ExternalIP and LoadBalancer IP destination"),
        NFTSet(
          name: Names.nodePortCountersMap, keyType: [.inetProto, .inetService], dataType: [.counter],
          comment: "the counter of each NodePort"),
      ]
    }
    return sets
  }
}

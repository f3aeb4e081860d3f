// Rulesets with counter objects and `: counter` maps in every shape the netlink backend
// lowers (concatenated and single keys, an interval map, comments, size), before and after a
// change that adds, drops, re-comments and re-points counters: for the counter kernel tests.
import NFTables
import NetAddress

enum CounterVocabulary {
  static func ip(_ s: String) -> IPAddress { IPAddress(s)! }

  static func service(
    _ family: TableFamily, _ last: Int, _ proto: IPProto, _ port: UInt16, _ counter: String, comment: String? = nil
  ) -> Element {
    let address = family == .ip ? ip("10.96.0.\(last)") : ip("fd00:96::\(last)")
    return Element([.address(address), .proto(proto), .port(port)], data: .object(counter), comment: comment)
  }

  static func table(_ family: TableFamily, counters: [CounterObject], services: [Element], nodePorts: [Element]) -> Table {
    let v: IPVersion = family == .ip ? .v4 : .v6
    let nets = family == .ip ? IPPrefix("10.0.0.0/8")! : IPPrefix("fd00::/16")!
    let sets = [
      NFTSet(name: "service-counters", keyType: [v.addressType, .inetProto, .inetService], dataType: [.counter], elements: services),
      NFTSet(name: "nodeport-counters", keyType: [.inetProto, .inetService], dataType: [.counter], elements: nodePorts),
      NFTSet(
        name: "net-counters", keyType: [v.addressType], dataType: [.counter], flags: .interval,
        elements: [Element([.prefix(nets)], data: .object("c-plain"))]),
      NFTSet(name: "sized-counters", keyType: [v.addressType], dataType: [.counter], size: 100, comment: "one"),
    ]
    let chain = Chain(
      name: "filter-prerouting", base: BaseChain(type: .filter, hook: .prerouting, priority: -110),
      rules: [
        Rule([.counterMap([.daddr(v), .l4proto, .thDport], map: "service-counters")]),
        Rule([.counterMap([.l4proto, .thDport], map: "nodeport-counters")], comment: "node ports"),
        Rule([.counterMap([.saddr(v)], map: "net-counters"), .verdict(.accept)]),
        Rule([.counterMap([.daddr(v)], map: "sized-counters")]),
      ])
    return Table(family: family, name: "kproxy", counters: counters, sets: sets, chains: [chain])
  }

  static func before(_ family: TableFamily) -> Table {
    table(
      family,
      counters: [
        CounterObject(name: "c-a", comment: "ns/a:http"), CounterObject(name: "c-b", comment: "ns/b:dns"),
        CounterObject(name: "c-plain"), CounterObject(name: "c-np", comment: "ns/np:web"),
      ],
      services: [service(family, 1, .tcp, 80, "c-a", comment: "ns/a:http"), service(family, 2, .udp, 53, "c-b")],
      nodePorts: [Element([.proto(.tcp), .port(30080)], data: .object("c-np"))])
  }

  /// `c-a` gets another comment, `c-b` and `c-np` go, `c-new` comes, the node port names `c-plain`.
  static func after(_ family: TableFamily) -> Table {
    table(
      family,
      counters: [
        CounterObject(name: "c-a", comment: "ns/a:https"), CounterObject(name: "c-plain"),
        CounterObject(name: "c-new", comment: "ns/new:grpc"),
      ],
      services: [service(family, 1, .tcp, 80, "c-a"), service(family, 3, .tcp, 443, "c-new")],
      nodePorts: [Element([.proto(.tcp), .port(30080)], data: .object("c-plain"))])
  }

  static let beforeRuleset = Ruleset(tables: [before(.ip), before(.ip6)])
  static let afterRuleset = Ruleset(tables: [after(.ip), after(.ip6)])

  /// `r` with, per table that has a plain `ADDRESS . inet_proto . inet_service` set or map, a
  /// counter per key (`tc-N`), a `: counter` map `test-counters` naming them and a filter chain
  /// counting through it at priority -110: the shape issue 10's compiler emits, on a fixture.
  static func addingCounters(to r: Ruleset) -> Ruleset {
    var r = r
    for i in r.tables.indices {
      guard
        let source = r.tables[i].sets.first(where: {
          $0.keyType.count == 3 && $0.keyType[1] == .inetProto && $0.keyType[2] == .inetService && $0.flags.isEmpty
            && !$0.elements.isEmpty
        })
      else { continue }
      let keys = source.elements.map(\.key)
      r.tables[i].counters += keys.indices.map { CounterObject(name: "tc-\($0)", comment: "service port \($0)") }
      r.tables[i].sets.append(
        NFTSet(
          name: "test-counters", keyType: source.keyType, dataType: [.counter],
          elements: keys.enumerated().map { Element($0.element, data: .object("tc-\($0.offset)")) }))
      let v: IPVersion = source.keyType[0] == .ipv4Addr ? .v4 : .v6
      r.tables[i].chains.append(
        Chain(
          name: "test-counting", base: BaseChain(type: .filter, hook: .prerouting, priority: -110),
          rules: [Rule([.counterMap([.daddr(v), .l4proto, .thDport], map: "test-counters")])]))
    }
    return r
  }

  /// `r` with every counter's values set to zero (what a compiled ruleset holds).
  static func zeroed(_ r: Ruleset) -> Ruleset {
    var r = r
    for t in r.tables.indices {
      r.tables[t].counters = r.tables[t].counters.map(\.declaration)
    }
    return r
  }
}

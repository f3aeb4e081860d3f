// The endpoint-choice objects the compiler emits, as test models: `typeof` maps keyed by
// `numgen`, the `endpoints-N` key sets and `dnat ip to KEY . numgen random mod N map @M` rules.
import NFTables
import NetAddress

enum DnatMaps {
  /// A destination (ClusterIP and port, or a NodePort without address) and its endpoints.
  struct Destination {
    var address: String?
    var proto: IPProto
    var port: UInt16
    var endpoints: [(address: String, port: UInt16)]
  }

  /// The largest endpoint count with its own `endpoints-N` set (and rule).
  static let maxCount = 3

  /// `10.0.0.3` in an ip table, `fd00:10::3` in an ip6 table, from the last IPv4 digits.
  static func address(_ s: String, _ v: IPVersion) -> IPAddress {
    if v == .v4 { return IPAddress(s)! }
    let parts = s.split(separator: ".")
    return IPAddress("fd00:\(parts[0]):\(parts[1])::\(parts[3])")!
  }

  static func table(_ family: TableFamily, services: [Destination], nodePorts: [Destination]) -> Table {
    let v: IPVersion = family == .ip ? .v4 : .v6
    let addr = v.addressType
    func elements(_ ds: [Destination]) -> [Element] {
      ds.flatMap { d in
        d.endpoints.enumerated().map { i, ep in
          Element(
            (d.address.map { [Value.address(address($0, v))] } ?? []) + [.proto(d.proto), .port(d.port), .integer(UInt32(i))],
            data: .values([.address(address(ep.address, v)), .port(ep.port)]))
        }
      }
    }
    func keys(_ ds: [Destination], count: Int) -> [Element] {
      ds.filter { $0.endpoints.count == count }.map { d in
        Element((d.address.map { [Value.address(address($0, v))] } ?? []) + [.proto(d.proto), .port(d.port)])
      }
    }
    var sets = [
      NFTSet(
        name: "endpoints", keyType: [addr, .inetProto, .inetService, .integer], dataType: [addr, .inetService],
        typeof: SetTypeof(key: [.daddr(v), .l4proto, .thDport, .numgenRandom(mod: 1)], data: [.daddr(v), .thDport]),
        comment: "endpoint choice", elements: elements(services)),
      NFTSet(
        name: "nodeport-endpoints", keyType: [.inetProto, .inetService, .integer], dataType: [addr, .inetService],
        typeof: SetTypeof(key: [.l4proto, .thDport, .numgenRandom(mod: 1)], data: [.daddr(v), .thDport]),
        elements: elements(nodePorts)),
    ]
    var rules: [Rule] = []
    for n in 1...maxCount {
      sets.append(NFTSet(name: "endpoints-\(n)", keyType: [addr, .inetProto, .inetService], elements: keys(services, count: n)))
      sets.append(NFTSet(name: "nodeport-endpoints-\(n)", keyType: [.inetProto, .inetService], elements: keys(nodePorts, count: n)))
      let key: [Field] = [.daddr(v), .l4proto, .thDport]
      rules.append(
        Rule([
          .lookup(key, set: "endpoints-\(n)", negated: false),
          .dnatMap(key + [.numgenRandom(mod: UInt32(n))], map: "endpoints", version: v),
        ]))
      rules.append(
        Rule([
          .lookup([.l4proto, .thDport], set: "nodeport-endpoints-\(n)", negated: false),
          .dnatMap([.l4proto, .thDport, .numgenRandom(mod: UInt32(n))], map: "nodeport-endpoints", version: v),
        ]))
    }
    let chains = [
      Chain(
        name: "nat-prerouting", base: BaseChain(type: .nat, hook: .prerouting, priority: -100), rules: [Rule([.verdict(.jump("pick"))])]),
      Chain(name: "nat-output", base: BaseChain(type: .nat, hook: .output, priority: -100), rules: [Rule([.verdict(.jump("pick"))])]),
      Chain(name: "pick", rules: rules),
    ]
    return Table(family: family, name: "kproxy", sets: sets, chains: chains)
  }

  /// Three endpoints for a TCP service and its NodePort, one for a UDP service and NodePort.
  static let before = Ruleset(
    tables: [TableFamily.ip, .ip6].map {
      table(
        $0,
        services: [
          Destination(
            address: "172.16.0.1", proto: .tcp, port: 80, endpoints: [("10.0.0.3", 8080), ("10.0.0.4", 8080), ("10.0.0.5", 8080)]),
          Destination(address: "172.16.0.2", proto: .udp, port: 53, endpoints: [("10.0.0.6", 5353)]),
        ],
        nodePorts: [
          Destination(proto: .tcp, port: 30080, endpoints: [("10.0.0.3", 8080), ("10.0.0.4", 8080), ("10.0.0.5", 8080)]),
          Destination(proto: .udp, port: 30053, endpoints: [("10.0.0.6", 5353)]),
        ])
    })

  /// The TCP service down to one new endpoint (its key moves from `endpoints-3` to
  /// `endpoints-1`, its choice 0 gets new data), the UDP service up to two, the TCP NodePort
  /// to two with changed data; the UDP NodePort unchanged.
  static let after = Ruleset(
    tables: [TableFamily.ip, .ip6].map {
      table(
        $0,
        services: [
          Destination(address: "172.16.0.1", proto: .tcp, port: 80, endpoints: [("10.0.0.9", 9090)]),
          Destination(address: "172.16.0.2", proto: .udp, port: 53, endpoints: [("10.0.0.6", 5353), ("10.0.0.7", 5353)]),
        ],
        nodePorts: [
          Destination(proto: .tcp, port: 30080, endpoints: [("10.0.0.4", 8080), ("10.0.0.5", 8081)]),
          Destination(proto: .udp, port: 30053, endpoints: [("10.0.0.6", 5353)]),
        ])
    })
}

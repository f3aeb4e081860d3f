// The netlink half of the benchmark: full sync of a synthetic cluster into a fresh network
// namespace, then incremental syncs (one endpoint, one ClusterIP, 100 services) as a daemon
// does them in-process: recompile, diff the previous and new ruleset, one netlink transaction.
import Dataplane
import KubeAPI
import NFTNetlink
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy

enum NetlinkBench {
  struct Row {
    var name: String
    var compile: Double = 0
    var diff: Double = 0
    var applyWall: Double = 0
    var applyUser: Double = 0
    var applySys: Double = 0
    var commands: Int = 0
  }

  static func run(services: Int, endpoints: Int, namespace: String, node: NodeConfig) throws {
    let backend = try NetlinkBackend(namespace: NetworkNamespace(namespace))
    var objects = SyntheticCluster.objects(services: services, endpoints: endpoints)
    var rows: [Row] = []

    func compile(_ o: ObjectSet) -> (Ruleset, Double) {
      let t0 = ResourceUsage.wall()
      let r = RulesetCompiler.compile(Reconciler.reconcile(o, node: node), node: node).ruleset
      return (r, ResourceUsage.wall() - t0)
    }
    func apply(_ tx: Transaction, _ desired: Ruleset, into row: inout Row) throws {
      let (u0, s0) = ResourceUsage.cpu()
      let w0 = ResourceUsage.wall()
      try backend.apply(tx, desired: desired)
      row.applyWall = ResourceUsage.wall() - w0
      let (u1, s1) = ResourceUsage.cpu()
      row.applyUser = u1 - u0
      row.applySys = s1 - s0
      row.commands = tx.commands.count
    }

    var full = Row(name: "full sync (fresh namespace)")
    var (current, compileTime) = compile(objects)
    full.compile = compileTime
    try apply(current.replaceTransaction(), current, into: &full)
    rows.append(full)

    // Read-back of the loaded tables (what a one-shot `kproxy apply` pays before diffing).
    let r0 = ResourceUsage.wall()
    let kernel = try backend.currentRuleset(tables: current.tables.map(\.ref), spelling: current)
    let readBack = ResourceUsage.wall() - r0
    let d0 = ResourceUsage.wall()
    let unchanged = kernel.diff(to: current)
    let readBackDiff = ResourceUsage.wall() - d0

    func incremental(_ name: String, _ change: (inout ObjectSet) -> Void) throws {
      change(&objects)
      var row = Row(name: name)
      let (next, t) = compile(objects)
      row.compile = t
      let d0 = ResourceUsage.wall()
      let tx = current.diff(to: next)
      row.diff = ResourceUsage.wall() - d0
      try apply(tx, next, into: &row)
      rows.append(row)
      current = next
    }
    let k = services / 2
    try incremental("one endpoint changed") { o in
      o.endpointSlices[k].endpoints[0].addresses = [.v4(IPv4Address(0x0B00_0001))]
    }
    try incremental("one ClusterIP changed (elements only)") { o in
      o.services[k].clusterIPs = [.v4(IPv4Address(0xAC1F_FFFE))]
    }
    try incremental("100 services: one endpoint each") { o in
      for s in stride(from: 0, to: min(services, 100 * max(1, services / 100)), by: max(1, services / 100)) {
        o.endpointSlices[s].endpoints[0].addresses = [.v4(IPv4Address(0x0B01_0000 + UInt32(s)))]
      }
    }

    func ms(_ s: Double) -> String { String(format1(s * 1000)) }
    print("| \(services) × \(endpoints) | operation | commands | recompile ms | diff ms | apply wall ms | apply user ms | apply sys ms |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows {
      print("| | \(r.name) | \(r.commands) | \(ms(r.compile)) | \(ms(r.diff)) | \(ms(r.applyWall)) | \(ms(r.applyUser)) | \(ms(r.applySys)) |")
    }
    print("")
    print("read-back of the loaded tables: \(ms(readBack)) ms; diff of read-back vs desired: \(ms(readBackDiff)) ms (\(unchanged.commands.count) commands); peak RSS \(ResourceUsage.peakRSS() / 1_000_000) MB")
  }

  static func format1(_ v: Double) -> String {
    let tenths = Int((v * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}

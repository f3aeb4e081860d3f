// The netlink half of the benchmark: full sync of a synthetic cluster into a fresh network
// namespace, then incremental syncs (one endpoint, one ClusterIP, 100 services) as a daemon
// does them in-process: recompute the changed services, incremental transaction, one netlink
// transaction; and the read-back a one-shot `kproxy apply` pays.
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

  /// Sets with more desired elements than this are not dumped on read-back (the dump is
  /// quadratic; above ~100k elements writing the set's elements again costs the kernel less).
  static let largeSetLimit = 100_000

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
    let rssAfterFullSync = ResourceUsage.peakRSS()

    // Read-back of the loaded tables (what a one-shot `kproxy apply` pays before diffing).
    let rssBeforeReadBack = ResourceUsage.currentRSS()
    let (ru0, rs0) = ResourceUsage.cpu()
    let r0 = ResourceUsage.wall()
    var kernel: Ruleset? = try backend.currentRuleset(tables: current.tables.map(\.ref), spelling: current)
    let readBack = ResourceUsage.wall() - r0
    let (ru1, rs1) = ResourceUsage.cpu()
    let d0 = ResourceUsage.wall()
    let unchanged = kernel!.diff(to: current)
    let readBackDiff = ResourceUsage.wall() - d0
    kernel = nil
    if !unchanged.isEmpty {
      print("read-back differs from what was applied:\n" + String(unchanged.renderScript().prefix(2000)))
    }

    // The same read-back leaving out the elements of sets with more than
    // `largeSetLimit` desired elements, and the repair transaction that flushes and refills them.
    let client = try NetlinkClient(namespace: NetworkNamespace(namespace))
    let (lu0, ls0) = ResourceUsage.cpu()
    let l0 = ResourceUsage.wall()
    var (partial, unread) = try client.currentRuleset(
      tables: current.tables.map(\.ref), spelling: current, elementDumpLimit: largeSetLimit)
    let limitedReadBack = ResourceUsage.wall() - l0
    let (lu1, ls1) = ResourceUsage.cpu()
    let ld0 = ResourceUsage.wall()
    let refill = partial.diff(to: current, unreadElements: unread)
    let limitedDiff = ResourceUsage.wall() - ld0
    partial = Ruleset()
    var refillRow = Row(name: "read-back repair: large sets flushed and refilled")
    refillRow.diff = limitedDiff
    try apply(refill, current, into: &refillRow)
    let unreadCount = unread.values.reduce(0) { $0 + $1.count }
    unread = [:]
    let rssBeforeIncremental = ResourceUsage.trimmedRSS()

    // Incremental syncs as the daemon does them: the change tracker names the changed
    // services; only their ports are recomputed; the incremental compiler yields the
    // transaction (no full compile, no full diff); one netlink transaction applies it.
    let i0 = ResourceUsage.wall()
    var inc = IncrementalCompiler(Reconciler.reconcile(objects, node: node), node: node)
    let incrementalStart = ResourceUsage.wall() - i0
    let incrementalRSS = ResourceUsage.trimmedRSS() - rssBeforeIncremental
    func incremental(_ name: String, services changed: [Int], _ change: (inout ObjectSet) -> Void) throws {
      change(&objects)
      var row = Row(name: name)
      let t0 = ResourceUsage.wall()
      var ports: [ServicePortInfo] = []
      for s in changed {
        ports += Reconciler.servicePorts(of: objects.services[s], slices: [objects.endpointSlices[s]], namespacePods: [], node: node)
      }
      let tx = inc.update(changed: ports, removed: [])
      row.diff = ResourceUsage.wall() - t0
      try apply(tx, current, into: &row)
      rows.append(row)
    }
    let k = services / 2
    try incremental("one endpoint changed", services: [k]) { o in
      o.endpointSlices[k].endpoints[0].addresses = [.v4(IPv4Address(0x0B00_0001))]
    }
    try incremental("one ClusterIP changed (elements only)", services: [k]) { o in
      o.services[k].clusterIPs = [.v4(IPv4Address(0xAC1F_FFFE))]
    }
    // New services: a ClusterIP is elements only; a NodePort adds chains (its external and
    // service chains) and a verdict-map element, which makes the kernel validate the table.
    for nodePort in [false, true] {
      try incremental(
        nodePort ? "one NodePort service added (new chains)" : "one ClusterIP service added (elements only)",
        services: [objects.services.count]
      ) { o in
        let (svc, slice) = SyntheticCluster.extra(nodePort: nodePort)
        o.services.append(svc)
        o.endpointSlices.append(slice)
      }
    }
    // A ClientIP-affinity service keeps a chain of its own (the affinity sets must learn the
    // endpoint each rule picked): its endpoint changes rewrite that chain, which makes the
    // kernel validate the table.
    let affine = objects.services.count
    try incremental("one affinity service added (new chain)", services: [affine]) { o in
      let (svc, slice) = SyntheticCluster.extra(nodePort: false, affinity: true)
      o.services.append(svc)
      o.endpointSlices.append(slice)
    }
    try incremental("one endpoint of the affinity service changed", services: [affine]) { o in
      o.endpointSlices[affine].endpoints[0].addresses = [.v4(IPv4Address(0x0B01_02FF))]
    }
    let hundred = Array(stride(from: 0, to: services, by: max(1, services / 100)).prefix(100))
    try incremental("100 services: one endpoint each", services: hundred) { o in
      for s in hundred { o.endpointSlices[s].endpoints[0].addresses = [.v4(IPv4Address(0x0B01_0000 + UInt32(s)))] }
    }
    // The same state reached the naive way: full recompile and full diff (nothing to apply).
    var naive = Row(name: "(naive: full recompile + full diff, for comparison)")
    let (next, t) = compile(objects)
    naive.compile = t
    let n0 = ResourceUsage.wall()
    let leftover = current.diff(to: next)
    naive.diff = ResourceUsage.wall() - n0
    naive.commands = leftover.commands.count
    rows.append(naive)
    current = next

    func ms(_ s: Double) -> String { String(format1(s * 1000)) }
    print(
      "| \(services) × \(endpoints) | operation | commands | full compile ms | incremental ms | apply wall ms | apply user ms | apply sys ms |"
    )
    print("|---|---|---|---|---|---|---|---|")
    for r in rows {
      print(
        "| | \(r.name) | \(r.commands) | \(ms(r.compile)) | \(ms(r.diff)) | \(ms(r.applyWall)) | \(ms(r.applyUser)) | \(ms(r.applySys)) |")
    }
    print("")
    print(
      "read-back of the loaded tables: \(ms(readBack)) ms wall (user \(ms(ru1 - ru0)) ms, sys \(ms(rs1 - rs0)) ms); diff of read-back vs desired: \(ms(readBackDiff)) ms (\(unchanged.commands.count) commands)"
    )
    print(
      "read-back without the elements of sets over \(largeSetLimit) elements (\(unreadCount) sets): \(ms(limitedReadBack)) ms wall (user \(ms(lu1 - lu0)) ms, sys \(ms(ls1 - ls0)) ms); diff \(ms(limitedDiff)) ms; repair flushing and refilling them: \(refillRow.commands) commands, apply \(ms(refillRow.applyWall)) ms wall (user \(ms(refillRow.applyUser)) ms, sys \(ms(refillRow.applySys)) ms)"
    )
    print(
      "peak RSS after the full sync \(rssAfterFullSync / 1_000_000) MB; current RSS before read-back \(rssBeforeReadBack / 1_000_000) MB; the incremental compiler's state adds \(incrementalRSS / 1_000_000) MB (trimmed RSS; built in \(ms(incrementalStart)) ms); peak RSS at the end \(ResourceUsage.peakRSS() / 1_000_000) MB"
    )
  }

  static func format1(_ v: Double) -> String {
    let tenths = Int((v * 10).rounded())
    return "\(tenths / 10).\(tenths % 10)"
  }
}

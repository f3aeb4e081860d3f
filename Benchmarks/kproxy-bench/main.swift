import KubeAPI
import NFTables
import ProxyRules
import ServiceProxy

// kproxy-bench: compile and render synthetic clusters and print a table of times, peak RSS
// and output size. Run in a release build: `make bench` (one size per process, so that the
// peak RSS of each row is its own). Times are process CPU time, best of --repeat runs.
#if canImport(Glibc)
  import Glibc
#endif

let args = Array(CommandLine.arguments.dropFirst())
func value(_ flag: String) -> String? {
  guard let i = args.firstIndex(of: flag), i + 1 < args.count else { return nil }
  return args[i + 1]
}

let services = Int(value("--services") ?? "1000") ?? 1000
let endpoints = Int(value("--endpoints") ?? "10") ?? 10
let emit = value("--emit")

let objects = SyntheticCluster.objects(services: services, endpoints: endpoints, spread: args.contains("--spread"))
// --counters: a named counter per service port, as `kproxy --counters` programs them.
let node = NodeConfig(
  hostname: "node0", nodeIPs: [.v4(.init(0xC0A8_0102))], clusterCIDRs: [IPPrefixLiteral.podCIDR],
  serviceCIDRs: [IPPrefixLiteral.serviceCIDR], counters: args.contains("--counters"))

if let ns = value("--netlink") {
  do {
    try NetlinkBench.run(services: services, endpoints: endpoints, namespace: ns, node: node)
    exit(0)
  } catch {
    print("kproxy-bench: \(error)")
    exit(1)
  }
}

let repeats = max(1, Int(value("--repeat") ?? "3") ?? 3)
// Each phase's best of `repeats` runs (the first run also pays for page faults).
var best = (reconcile: Double.infinity, compile: Double.infinity, render: Double.infinity, wall: Double.infinity)
var compiled = CompiledRuleset(ruleset: Ruleset(), warnings: [])
var text = ""
for _ in 0..<repeats {
  // Release the previous run's results first, so peak RSS is that of one run.
  compiled = CompiledRuleset(ruleset: Ruleset(), warnings: [])
  text = ""
  let w0 = ResourceUsage.wall()
  let t0 = ResourceUsage.now()
  let state = Reconciler.reconcile(objects, node: node)
  let t1 = ResourceUsage.now()
  compiled = RulesetCompiler.compile(state, node: node)
  let t2 = ResourceUsage.now()
  text = compiled.ruleset.renderScript()
  let t3 = ResourceUsage.now()
  let w3 = ResourceUsage.wall()
  best = (min(best.reconcile, t1 - t0), min(best.compile, t2 - t1), min(best.render, t3 - t2), min(best.wall, w3 - w0))
}
let rss = ResourceUsage.peakRSS()

if let emit {
  let f = fopen(emit, "w")
  fputs(text, f)
  fclose(f)
}
let rules = compiled.ruleset.tables.reduce(0) { $0 + $1.chains.reduce(0) { $0 + $1.rules.count } }
let elements = compiled.ruleset.tables.reduce(0) { $0 + $1.sets.reduce(0) { $0 + $1.elements.count } }
func ms(_ s: Double) -> String { String(Int((s * 1000).rounded())) }
if args.contains("--header") {
  print(
    "| services × endpoints | reconcile ms | compile ms | render ms | total CPU ms | total wall ms | peak RSS MB | rules | elements | text MB |"
  )
  print("|---|---|---|---|---|---|---|---|---|---|")
}
print(
  "| \(services) × \(endpoints) | \(ms(best.reconcile)) | \(ms(best.compile)) | \(ms(best.render)) | \(ms(best.reconcile + best.compile + best.render)) | \(ms(best.wall)) | \(rss / 1_000_000) | \(rules) | \(elements) | \(String(Double(text.utf8.count / 10_000) / 100)) |"
)

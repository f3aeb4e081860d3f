// `kproxy trace --verify`: the traced flow sent for real in a throwaway sandbox built from the same
// input — connections from the flow's source address to its destination — and what they show
// (which endpoints answered, the source they saw, REJECT as refused, DROP as a timeout) compared
// with the trace's prediction.
import Foundation
import NFTables
import NetAddress
import ProxyRules
import RuleTrace
import Sandbox
import ServiceProxy

enum TraceVerify {
  struct Verdict {
    var matches: Bool
    var text: String
    var json: [String: Any]
  }

  static func run(_ result: TraceResult, compiled: CompiledRuleset, node: NodeConfig, state: ProxyState, manifests: [String]) throws
    -> Verdict
  {
    let flow = result.flow
    guard let transport = EchoListen.Transport(rawValue: flow.proto.name) else {
      throw UserError(description: "--verify: \(flow.proto.name) cannot be sent here (this kernel has no SCTP)")
    }
    let name = "tv\(getpid() % 1_000_000)"
    let plan: SandboxPlan
    do { plan = try SandboxPlan(name: name, state: state, node: node) } catch { throw UserError(description: "--verify: \(error)") }
    _ = try SandboxUp.launch(plan, ruleset: compiled.ruleset, manifests: manifests, agentArguments: nil)
    defer { SandboxNetwork.remove(name) }
    let namespace = try placeSource(flow, plan: plan, node: node)
    let predicted = Set(result.outcomes.compactMap(\.dnat).map(\.description))
    let probe = SandboxProbe(
      servicePort: "", kind: "", from: .pod, fromAddress: flow.source.description, namespace: namespace,
      target: flow.destination.description, port: Int(flow.destinationPort), transport: transport)
    let row = try SandboxCommand.probe(probe, count: max(12, 10 * predicted.count), timeout: 1)
    let problems = TraceComparison.problems(result, row, fromNode: namespace == plan.node)
    let seen = row.summary.isEmpty ? "nothing" : row.summary
    let text =
      "verify: \(row.attempts) \(transport.rawValue) attempts from \(flow.source) in a sandbox: \(seen) — "
      + (problems.isEmpty ? "as predicted" : "DIFFERS: " + problems.joined(separator: "; "))
    return Verdict(
      matches: problems.isEmpty, text: text,
      json: ["attempts": row.attempts, "endpoints": row.endpoints, "errors": row.errors, "peers": row.peers, "problems": problems])
  }

  /// The namespace whose traffic carries the flow's source address (added, with a route that
  /// prefers it, to the client pod or the outside client when it is not a sandbox address).
  static func placeSource(_ flow: TraceFlow, plan: SandboxPlan, node: NodeConfig) throws -> String {
    let source = flow.source.description
    if let ns = plan.namespace(for: source) { return ns }
    let six = flow.source.family == .v6
    let host = six ? "128" : "32"
    let target = flow.destination.description
    if node.clusterCIDRs.contains(where: { $0.contains(flow.source) }),
      let client = plan.clients.first(where: { IPAddress($0.ip)?.family == flow.source.family }),
      let gateway = plan.gateways.first(where: { IPAddress($0)?.family == flow.source.family })
    {
      try shell(["ip", "-n", client.namespace, "addr", "add", "\(source)/\(host)", "dev", "eth0"] + (six ? ["nodad"] : []))
      try shell(["ip", "-n", client.namespace, "route", "add", "\(target)/\(host)", "via", gateway, "dev", "eth0", "onlink", "src", source])
      try shell(["ip", "-n", plan.node, "route", "add", "\(source)/\(host)", "dev", client.link, "src", gateway])
      return client.namespace
    }
    guard let nodeIP = plan.nodeIPs.first(where: { IPAddress($0)?.family == flow.source.family }) else {
      throw UserError(description: "--verify: the node has no \(flow.source.family.rawValue) address")
    }
    try shell(["ip", "-n", plan.outside, "addr", "add", "\(source)/\(host)", "dev", "eth0"] + (six ? ["nodad"] : []))
    let via = target == nodeIP ? [] : ["via", nodeIP, "onlink"]
    try shell(["ip", "-n", plan.outside, "route", "add", "\(target)/\(host)"] + via + ["dev", "eth0", "src", source])
    return plan.outside
  }

  private static func shell(_ args: [String]) throws {
    do {
      try SandboxShell.run(args)
    } catch {
      throw UserError(description: "--verify: \(error)")
    }
  }
}

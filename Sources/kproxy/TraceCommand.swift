// `kproxy trace`: why does this packet go there? Evaluates kproxy's ruleset (compiled from the
// input, or read back from a namespace's kernel) for the first packet of a new connection.
import ArgumentParser
import Dataplane
import Foundation
import NFTables
import NetAddress
import ProxyRules
import RuleTrace
import ServiceProxy

struct TraceCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "trace",
    abstract: "Show where the first packet of a new connection goes through kproxy's rules, and why.",
    discussion: """
      Follows the kernel's path (base chains by hook and priority, rules, verdict maps, set and \
      map lookups, numgen choices, marks, conntrack state) and prints every outcome with its \
      probability: DNAT to which endpoint, masquerade or not, REJECT, DROP, or untouched; then \
      the chains entered and the rules matched on the way. The rules are compiled from \
      --manifests and the node options, or read back from the kernel with --netns. Learned \
      session affinity is not consulted: the trace is that of a client the node has not seen.
      Example: kproxy trace --manifests fixtures/demo/manifests --config fixtures/demo/config.yaml \
      --from 203.0.113.5 --to 192.168.1.10:30080/tcp
      """)

  @Option(help: ArgumentHelp("The client: ADDRESS or ADDRESS:PORT ([v6]:PORT); port 40000 if not given.", valueName: "address[:port]"))
  var from: String

  @Option(
    help: ArgumentHelp(
      "The destination: ADDRESS:PORT/PROTO with PROTO tcp, udp or sctp ([v6]:PORT/PROTO).", valueName: "address:port/proto"))
  var to: String

  @Option(
    help: ArgumentHelp(
      "Where the packet meets netfilter: prerouting (it arrives from a pod or from outside) or output (a process on the node sends it). Default: output when --from is an address of the node, else prerouting.",
      valueName: "prerouting|output"))
  var path: TracePath?

  @Option(
    name: .customLong("manifests"),
    help: ArgumentHelp("A manifest file or folder to compile the rules from; repeatable; '-' reads standard input.", valueName: "path"))
  var manifests: [String] = []

  @OptionGroup(title: "Node options (with --manifests)") var node: NodeOptions

  @Option(
    name: .customLong("netns"),
    help: ArgumentHelp(
      "Read kproxy's tables back from this network namespace's kernel (a name from `ip netns` or a path such as /proc/PID/ns/net) instead of compiling them; its addresses are the node's.",
      valueName: "name|path"))
  var netns: String?

  @Option(
    name: .customLong("local-address"),
    help: ArgumentHelp(
      "Another address of the node (besides its node IPs, or the namespace's addresses); repeatable.", valueName: "address"))
  var localAddresses: [String] = []

  @Flag(help: "Print the result as JSON.")
  var json = false

  @Flag(
    help:
      "Also send the flow for real in a throwaway sandbox built from the same input (root; with --manifests) and compare what the connections show with the prediction; exit status 1 when they differ."
  )
  var verify = false

  func validate() throws {
    if verify && netns != nil { throw ValidationError("--verify builds a sandbox from --manifests; it cannot verify a namespace's rules") }
    if netns != nil && !manifests.isEmpty {
      throw ValidationError("--netns and --manifests exclude each other: trace either the kernel's rules or compiled ones")
    }
    try KernelOptions.validate(netns: netns)
    _ = try TraceAddresses.client(from)
    _ = try TraceAddresses.destination(to)
    for a in localAddresses where IPAddress(a) == nil { throw ValidationError("--local-address: \(a) is not an IP address") }
  }

  func run() throws {
    let (ruleset, nodeAddresses, compiled) = try rules()
    let (source, sourcePort) = try TraceAddresses.client(from)
    let (destination, port, proto) = try TraceAddresses.destination(to)
    if source.family != destination.family {
      throw UserError(description: "--from \(from) and --to \(to) are of different IP families")
    }
    let traceNode = TraceNode(localAddresses: nodeAddresses + localAddresses.compactMap { IPAddress($0) })
    let flow = TraceFlow(
      source: source, sourcePort: sourcePort, destination: destination, destinationPort: port, proto: proto,
      path: path ?? (traceNode.isLocal(source) ? .output : .prerouting))
    let result: TraceResult
    do {
      result = try TraceEvaluator(ruleset: ruleset, node: traceNode).trace(flow)
    } catch let e as TraceError {
      throw UserError(description: "cannot trace: \(e)")
    }
    var verdict: TraceVerify.Verdict?
    if verify, let (compiledRuleset, nodeConfig, state) = compiled {
      verdict = try TraceVerify.run(result, compiled: compiledRuleset, node: nodeConfig, state: state, manifests: manifests)
    }
    if json {
      try Output.write(TraceJSON.render(result, nodeAddresses: traceNode.localAddresses.sorted(), verify: verdict?.json))
    } else {
      try Output.write(result.render() + (verdict.map { "\n\($0.text)\n" } ?? ""))
    }
    if verdict?.matches == false { throw ExitCode(1) }
  }

  /// The ruleset to trace, the node's addresses, and (when compiled) what it was compiled from.
  private func rules() throws -> (Ruleset, [IPAddress], (CompiledRuleset, NodeConfig, ProxyState)?) {
    if netns != nil {
      let tables = [TableRef(family: .ip, name: Names.table), TableRef(family: .ip6, name: Names.table)]
      let namespace = try KernelOptions.namespace(netns)
      let ruleset: Ruleset
      do {
        ruleset = try DataplaneError.mapping { try NetlinkBackend(namespace: namespace).currentRuleset(tables: tables, spelling: nil) }
      } catch let e as DataplaneError {
        throw UserError(description: e.description)
      }
      return (ruleset, try NamespaceAddresses.list(netns: netns), nil)
    }
    var phases = PipelinePhases()
    let compiled = try Pipeline.compileResolvingNode(paths: manifests, node: node, phases: &phases)
    return (compiled.0.ruleset, compiled.1.nodeIPs, compiled)
  }
}

extension TracePath: ExpressibleByArgument {}

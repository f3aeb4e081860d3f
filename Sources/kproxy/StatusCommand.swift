// `kproxy status`: what is programmed now, read back from the kernel through netlink: per
// service port its destinations, where new connections go, its counter and learned affinity.
import ArgumentParser
import Dataplane
import Foundation
import NFTables
import ProxyRules

struct StatusCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "status",
    abstract: "Show what kproxy has programmed in the kernel, per service port.",
    discussion: """
      Reads kproxy's tables back through netlink (no nft binary needed) and prints, per service \
      port: its destinations (ClusterIP, external and LoadBalancer IPs, NodePort), where a new \
      connection from outside the node goes (its endpoints, or REJECT / DROP), the packets and \
      bytes its counter saw (with --counters when the rules were programmed), and how many \
      clients its session-affinity sets remember. Needs CAP_NET_ADMIN.
      Example: kproxy status --netns kpsb-demo-node
      """)

  @Option(
    name: .customLong("netns"),
    help: ArgumentHelp(
      "Read the kernel of this network namespace (a name from `ip netns` or a path such as /proc/PID/ns/net). Default: the current one.",
      valueName: "name|path"))
  var netns: String?

  @Flag(help: "Print the result as JSON.")
  var json = false

  func validate() throws { try KernelOptions.validate(netns: netns) }

  func run() throws {
    let namespace = try KernelOptions.namespace(netns)
    let tables: [TableStatus]
    do {
      tables = try DataplaneError.mapping {
        let backend = try NetlinkBackend(namespace: namespace)
        let ruleset = try backend.currentRuleset(tables: RulesetCompiler.allTables, spelling: nil)
        return try ruleset.tables.map { t in
          var ports = ProgrammedServices.read(t)
          for i in ports.indices where !ports[i].affinitySets.isEmpty {
            for (ep, set) in ports[i].affinitySets {
              ports[i].learnedClients[ep] = try backend.learnedElements(table: t.ref, set: set).count
            }
          }
          return TableStatus(table: t.ref, countersOn: t.sets.contains { $0.name == Names.serviceCountersMap }, servicePorts: ports)
        }
      }
    } catch let e as DataplaneError {
      throw UserError(description: e.description)
    }
    try Output.write(json ? StatusText.json(tables) : StatusText.render(tables))
  }
}

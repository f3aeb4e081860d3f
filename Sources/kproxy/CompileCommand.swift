// `kproxy compile`: print the complete nft script for the given cluster state.
import ArgumentParser
import NFTables

struct CompileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compile",
    abstract: "Print the nftables ruleset for the given objects as an `nft -f -` script.",
    discussion: """
      The script creates kproxy's tables (`ip kproxy`, `ip6 kproxy`) if missing and replaces \
      their contents in one atomic transaction; no other table is touched. The output is \
      deterministic: the same input always gives the same text, so CI can diff it.
      Example: kproxy compile --manifests cluster/ --node-ip 192.168.1.10 --cluster-cidr 10.244.0.0/16 | nft -f -
      """)

  @Option(
    name: .customLong("manifests"),
    help: ArgumentHelp(
      "A manifest file or folder (read recursively for .yaml, .yml and .json); repeatable; '-' reads standard input. Default: none (no objects: the ruleset without services). Services, EndpointSlices, Pods, Nodes and ServiceCIDRs are used, other kinds are ignored.",
      valueName: "path"))
  var manifests: [String] = []

  @OptionGroup(title: "Node options") var node: NodeOptions

  @Flag(
    name: .shortAndLong,
    help: "Report on stderr what was read (objects by kind, ignored kinds), how the node was resolved, and the size of the ruleset.")
  var verbose = false

  func run() throws {
    let compiled = try Pipeline.compile(paths: manifests, node: node, verbose: verbose)
    let tx = compiled.ruleset.replaceTransaction()
    if let e = tx.error { throw UserError(description: "internal: \(e)") }
    try Output.write(compiled.ruleset.renderScript())
  }
}

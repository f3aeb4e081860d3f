// `kproxy diff`: print the incremental transaction between two cluster states; the exit
// status says whether they differ (0 same, 1 different, 2 error), for CI.
import ArgumentParser
import NFTables

struct DiffCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff",
    abstract: "Print the nft transaction that takes the kernel from one state to another.",
    discussion: """
      Both states are compiled with the same node options. The output is an `nft -f` script \
      that applies on top of the ruleset of --from (as `kproxy compile` prints it) and yields \
      the ruleset of --to, in one transaction. Exit status: 0 when there is no difference \
      (nothing is printed), 1 when there is one, 2 on error.
      """)

  @Option(
    name: .customLong("from"),
    help: ArgumentHelp(
      "Manifests of the current state (file or folder; repeatable; '-' reads standard input, for one of --from and --to).",
      valueName: "path"))
  var from: [String]

  @Option(
    name: .customLong("to"),
    help: ArgumentHelp(
      "Manifests of the desired state (file or folder; repeatable; '-' reads standard input, for one of --from and --to).",
      valueName: "path"))
  var to: [String]

  @OptionGroup(title: "Node options") var node: NodeOptions

  @Flag(
    name: .shortAndLong,
    help: "Report on stderr what was read (objects by kind, ignored kinds), how the node was resolved, and the size of the ruleset.")
  var verbose = false

  func validate() throws {
    if from.contains("-") && to.contains("-") {
      throw ValidationError("standard input ('-') can be read once: give it to --from or to --to, not both")
    }
  }

  func run() throws {
    let old = try Pipeline.compile(paths: from, node: node, verbose: verbose)
    let new = try Pipeline.compile(paths: to, node: node, verbose: verbose)
    let tx = old.ruleset.diff(to: new.ruleset)
    if let e = tx.error { throw UserError(description: "internal: \(e)") }
    if tx.isEmpty { return }
    try Output.write(tx.renderScript())
    throw ExitCode(1)
  }
}

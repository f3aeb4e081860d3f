// `kproxy apply`: compile the ruleset and put it into the kernel, sending only the difference
// to kproxy's tables when they exist (one atomic transaction), or replacing them with --full.
import ArgumentParser
import Dataplane
import Foundation
import NFTables

struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Compile the ruleset and apply it to the kernel's nftables.",
    discussion: """
      kproxy's tables (`ip kproxy`, `ip6 kproxy`) are read back from the kernel and only the \
      difference is applied, in one atomic transaction; missing tables are created. With \
      --full, the tables are replaced wholesale. No other table is touched. Needs root \
      (CAP_NET_ADMIN). Input without a single Service is refused (it would delete every \
      service's rules) unless --allow-empty is given; `kproxy cleanup` removes kproxy's tables.
      Exit status: 0 applied (or already up to date); 2 error, the kernel was not changed; 3 the \
      transaction was committed but the report could not be written to stdout or stderr.
      Example: kproxy apply --manifests cluster/ --node-ip 192.168.1.10 --netns test1
      """)

  @Option(
    name: .customLong("manifests"),
    help: ArgumentHelp(
      "A manifest file or folder (read recursively for .yaml, .yml and .json); repeatable; '-' reads standard input. Default: none, which is no objects (refused without --allow-empty).",
      valueName: "path"))
  var manifests: [String] = []

  @OptionGroup(title: "Node options") var node: NodeOptions

  @OptionGroup(title: "Kernel options") var kernel: KernelOptions

  @Flag(name: .customLong("full"), help: "Replace kproxy's tables completely instead of applying the difference.")
  var full = false

  @Flag(
    name: .customLong("allow-empty"),
    help: "Apply even when the input has no Service at all, which deletes every service's rules (the tables stay).")
  var allowEmpty = false

  @Option(
    name: .customLong("set-state-dir"),
    help: ArgumentHelp(
      "Where the elements of kproxy's largest sets are kept after each commit, one file per network namespace, so that the next apply sends only their changes (used only while the kernel's ruleset generation is still the one kproxy's commit produced; otherwise the sets are refilled). '' keeps no file. Netlink backend only.",
      valueName: "dir"))
  var setStateDirectory: String = SetStateStore.defaultDirectory

  @Flag(name: .customLong("timing"), help: "Print how long compiling, reading back, diffing and applying took (stderr).")
  var timing = false

  @Flag(
    name: .shortAndLong,
    help: "Report on stderr what was read (objects by kind, ignored kinds), how the node was resolved, and the size of the ruleset.")
  var verbose = false

  func run() throws {
    var phases = PipelinePhases()
    let compiled = try Pipeline.compile(
      paths: manifests, node: node, verbose: verbose, requireServices: !allowEmpty, phases: &phases)
    if let e = compiled.ruleset.replaceTransaction().error { throw UserError(description: "internal: \(e)") }
    let store = setStateDirectory.isEmpty ? nil : SetStateStore(directory: setStateDirectory)
    let outcome = try kernel.withBackend { try Synchronizer(backend: $0, store: store).sync(to: compiled.ruleset, full: full) }
    // Committed: from here on a failed report must not look like "nothing changed".
    do {
      if let why = outcome.fallbackReason { try Output.warn("replaced the tables completely: \(why)") }
      if timing {
        func ms(_ d: Duration) -> String { String(format: "%.1f ms", d.seconds * 1000) }
        try Output.writeError(
          "kproxy: timing: read + decode \(ms(phases.load)), reconcile + compile \(ms(phases.compile)), read-back \(ms(outcome.readBack)), diff \(ms(outcome.diff)), apply \(ms(outcome.apply)) (\(kernel.backend.rawValue) backend)"
        )
        if outcome.setState != nil {
          try Output.writeError(
            "kproxy: timing: set state file \(Self.describe(outcome.setState)), read \(ms(outcome.stateRead)), written \(ms(outcome.stateWrite))"
          )
        }
      }
      switch outcome.mode {
      case .unchanged: try Output.write("kproxy: tables already up to date\n")
      case .incremental: try Output.write("kproxy: applied \(outcome.commands) changes in one transaction\n")
      case .full: try Output.write("kproxy: replaced kproxy's tables (\(outcome.commands) commands in one transaction)\n")
      }
    } catch {
      Output.error("the ruleset was applied, but \(error)")
      throw ExitCode(ExitStatus.committedButUnreported)
    }
  }

  static func describe(_ lookup: SetStateStore.Lookup?) -> String {
    switch lookup {
    case nil: "unused"
    case .exact?: "exact"
    case .missing?: "missing"
    case .stale(let why)?: "stale (\(why))"
    case .corrupt(let why)?: "corrupt (\(why))"
    }
  }
}

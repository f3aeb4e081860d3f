// `kproxy cleanup`: delete kproxy's tables (`ip kproxy`, `ip6 kproxy`) and nothing else;
// tables that do not exist are fine.
import ArgumentParser
import Dataplane
import NFTables
import ProxyRules

struct CleanupCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cleanup",
    abstract: "Delete kproxy's nftables tables (ip kproxy, ip6 kproxy), and nothing else.",
    discussion: """
      Absent tables are not an error. Needs root (CAP_NET_ADMIN). Exit status: 0 deleted (or \
      absent); 2 error, nothing was changed; 3 deleted, but the report could not be written.
      """)

  @OptionGroup(title: "Kernel options") var kernel: KernelOptions

  static let tables = [TableRef(family: .ip, name: Names.table), TableRef(family: .ip6, name: Names.table)]

  @Option(
    name: .customLong("set-state-dir"),
    help: ArgumentHelp(
      "Where `apply` and `run` keep their set state files: the namespace's file is removed too ('' leaves the folder alone).",
      valueName: "dir"))
  var setStateDirectory: String = SetStateStore.defaultDirectory

  @Flag(name: .shortAndLong, help: "Report on stderr which tables are deleted, where, and through which backend.")
  var verbose = false

  func run() throws {
    if verbose {
      try Output.debug(
        "deleting tables \(Self.tables.map { "\($0.family.rawValue) \($0.name)" }.joined(separator: ", ")) (if present) in \(kernel.netns.map { "network namespace \($0)" } ?? "the current network namespace") through the \(kernel.backend.rawValue) backend"
      )
    }
    try kernel.withBackend { backend in
      try backend.deleteTables(Self.tables)
      // The file went stale with the deletion; it is removed so that nothing is left behind.
      if !setStateDirectory.isEmpty, let checked = backend as? GenerationCheckedBackend, let id = try? checked.namespaceIdentity() {
        SetStateStore(directory: setStateDirectory).remove(inode: id.inode)
      }
    }
    if verbose {
      do {
        try Output.debug("deleted")
      } catch {
        Output.error("the tables were deleted, but \(error)")
        throw ExitCode(ExitStatus.committedButUnreported)
      }
    }
  }
}

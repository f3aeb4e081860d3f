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
    discussion: "Absent tables are not an error. Needs root (CAP_NET_ADMIN).")

  @OptionGroup(title: "Kernel options") var kernel: KernelOptions

  static let tables = [TableRef(family: .ip, name: Names.table), TableRef(family: .ip6, name: Names.table)]

  func run() throws {
    try kernel.withBackend { try $0.deleteTables(Self.tables) }
  }
}

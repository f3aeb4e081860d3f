// `kproxy apply`: compile the ruleset and put it into the kernel, sending only the difference
// to kproxy's tables when they exist (one atomic transaction), or replacing them with --full.
import ArgumentParser
import Dataplane
import Foundation
import NFTNetlink
import NFTables

struct ApplyCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "apply",
    abstract: "Compile the ruleset and apply it to the kernel's nftables.",
    discussion: """
      kproxy's tables (`ip kproxy`, `ip6 kproxy`) are read back from the kernel and only the \
      difference is applied, in one atomic transaction; missing tables are created. With \
      --full, the tables are replaced wholesale. No other table is touched. Needs root \
      (CAP_NET_ADMIN). Example: kproxy apply --manifests cluster/ --node-ip 192.168.1.10 --netns test1
      """)

  @Option(
    name: .customLong("manifests"),
    help: ArgumentHelp(
      "A manifest file or folder (read recursively for .yaml, .yml and .json); repeatable; '-' reads standard input.", valueName: "path"))
  var manifests: [String] = []

  @OptionGroup(title: "Node options") var node: NodeOptions

  @OptionGroup(title: "Kernel options") var kernel: KernelOptions

  @Flag(name: .customLong("full"), help: "Replace kproxy's tables completely instead of applying the difference.")
  var full = false

  @Flag(name: .customLong("timing"), help: "Print how long compiling, reading back, diffing and applying took (stderr).")
  var timing = false

  func run() throws {
    let clock = ContinuousClock()
    let start = clock.now
    let compiled = try Pipeline.compile(paths: manifests, node: node)
    let compileTime = clock.now - start
    if let e = compiled.ruleset.replaceTransaction().error { throw UserError(description: "internal: \(e)") }
    let outcome = try kernel.withBackend { try Synchronizer(backend: $0).sync(to: compiled.ruleset, full: full) }
    if let why = outcome.fallbackReason { Output.warn("replaced the tables completely: \(why)") }
    if timing {
      func ms(_ d: Duration) -> String {
        String(format: "%.1f ms", Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15)
      }
      Output.writeError(
        "kproxy: timing: compile \(ms(compileTime)), read-back \(ms(outcome.readBack)), diff \(ms(outcome.diff)), apply \(ms(outcome.apply)) (\(kernel.backend.rawValue) backend)"
      )
    }
    switch outcome.mode {
    case .unchanged: Output.write("kproxy: tables already up to date\n")
    case .incremental: Output.write("kproxy: applied \(outcome.commands) changes in one transaction\n")
    case .full: Output.write("kproxy: replaced kproxy's tables (\(outcome.commands) commands in one transaction)\n")
    }
  }
}

/// Where and how to reach the kernel: namespace and backend.
struct KernelOptions: ParsableArguments {
  enum BackendKind: String, ExpressibleByArgument, CaseIterable {
    case netlink, nft
  }

  @Option(
    name: .customLong("netns"),
    help: ArgumentHelp(
      "Work inside this network namespace: a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net.",
      valueName: "name|path"))
  var netns: String?

  @Option(
    name: .customLong("backend"),
    help: ArgumentHelp("How to program the kernel: netlink (libnftnl, the default) or nft (`nft -f -`).", valueName: "netlink|nft"))
  var backend: BackendKind = .netlink

  /// Runs `body` with the chosen backend, turning kernel failures into clear messages. There
  /// is no up-front root check: a process may hold CAP_NET_ADMIN without being root, and the
  /// kernel's EPERM is explained instead.
  func withBackend<R>(_ body: (Backend) throws -> R) throws -> R {
    let namespace = netns.map(NetworkNamespace.init)
    if let namespace, !FileManager.default.fileExists(atPath: namespace.path) {
      let detail = namespace.path == netns ? "" : " (\(namespace.path) does not exist)"
      throw UserError(description: "network namespace \(netns!) not found\(detail)")
    }
    do {
      let b: Backend = backend == .netlink ? try NetlinkBackend(namespace: namespace) : try NftBackend(namespace: namespace)
      return try body(b)
    } catch let e as NetlinkError {
      throw UserError(description: Self.explain(e))
    } catch let e as NftCommandError {
      throw UserError(description: e.description)
    }
  }

  /// The netlink error with a hint for the common causes.
  static func explain(_ e: NetlinkError) -> String {
    switch (e, e.errno) {
    case (.namespace(let path, _), ENOENT?): return "network namespace \(path) not found"
    case (.namespace, EPERM?): return "\(e) — entering a network namespace needs root (CAP_SYS_ADMIN)"
    case (_, EPERM?), (_, EACCES?): return "\(e) — nftables needs root (CAP_NET_ADMIN)"
    case (.system, EPROTONOSUPPORT?), (.system, EAFNOSUPPORT?), (.rejected("apply transaction", _), EOPNOTSUPP?),
      (.rejected("dump generation", _), EOPNOTSUPP?), (.system, EOPNOTSUPP?):
      return "\(e) — nf_tables is not available in this kernel (module nf_tables not loaded?)"
    default: return e.description
    }
  }
}

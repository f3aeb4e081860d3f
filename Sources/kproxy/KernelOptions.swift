// Command-line options that say where and how to reach the kernel (network namespace and
// backend), and the kernel errors explained in words, for `apply` and `cleanup`.
import ArgumentParser
import Dataplane
import Foundation
import NFTNetlink

/// Where and how to reach the kernel: namespace and backend.
struct KernelOptions: ParsableArguments {
  enum BackendKind: String, ExpressibleByArgument, CaseIterable {
    case netlink, nft
  }

  @Option(
    name: .customLong("netns"),
    help: ArgumentHelp(
      "Work inside this network namespace: a name from `ip netns` (/run/netns/NAME) or a path such as /proc/PID/ns/net. Default: the current network namespace.",
      valueName: "name|path"))
  var netns: String?

  @Option(
    name: .customLong("backend"),
    help: ArgumentHelp("How to program the kernel: netlink (libnftnl) or nft (`nft -f -`).", valueName: "netlink|nft"))
  var backend: BackendKind = .netlink

  func validate() throws {
    if let netns, netns.isEmpty {
      throw ValidationError("--netns: \"\" is not a network namespace (give a name from `ip netns` or a path such as /proc/PID/ns/net)")
    }
  }

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

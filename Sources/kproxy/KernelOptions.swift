// Command-line options that say where and how to reach the kernel (network namespace and
// backend) for `apply` and `cleanup`; kernel errors come explained from Dataplane.
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

  func validate() throws { try Self.validate(netns: netns) }

  /// `--netns ''` is a usage error (also for `run`, which has --netns but no backend choice).
  static func validate(netns: String?) throws {
    if let netns, netns.isEmpty {
      throw ValidationError("--netns: \"\" is not a network namespace (give a name from `ip netns` or a path such as /proc/PID/ns/net)")
    }
  }

  /// The namespace `--netns` names, checked to exist; nil for the current one.
  static func namespace(_ netns: String?) throws -> NetworkNamespace? {
    guard let netns else { return nil }
    let namespace = NetworkNamespace(netns)
    if !FileManager.default.fileExists(atPath: namespace.path) {
      let detail = namespace.path == netns ? "" : " (\(namespace.path) does not exist)"
      throw UserError(description: "network namespace \(netns) not found\(detail)")
    }
    return namespace
  }

  /// Runs `body` with the chosen backend; kernel failures become `DataplaneError`'s words.
  /// There is no up-front root check: a process may hold CAP_NET_ADMIN without being root,
  /// and the kernel's EPERM is explained instead.
  func withBackend<R>(_ body: (Backend) throws -> R) throws -> R {
    let namespace = try Self.namespace(netns)
    do {
      return try DataplaneError.mapping {
        let b: Backend = backend == .netlink ? try NetlinkBackend(namespace: namespace) : try NftBackend(namespace: namespace)
        return try body(b)
      }
    } catch let e as DataplaneError {
      throw UserError(description: e.description)
    }
  }
}

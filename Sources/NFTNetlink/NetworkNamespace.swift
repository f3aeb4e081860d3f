// A network namespace given by name (/run/netns/NAME, as `ip netns` creates) or by path
// (/proc/PID/ns/net): the calling thread enters it around socket creation, then returns.
import CNftnl
import Foundation

public struct NetworkNamespace: Sendable, Hashable, CustomStringConvertible {
  /// The namespace file.
  public var path: String

  /// `NAME` means /run/netns/NAME; anything containing a `/` is a path.
  public init(_ nameOrPath: String) {
    path = nameOrPath.contains("/") ? nameOrPath : "/run/netns/\(nameOrPath)"
  }

  public var description: String { path }

  /// `NS_GET_NSTYPE` from <linux/nsfs.h>: `_IO(0xb7, 0x3)`.
  static let getNamespaceType = 0xb703

  /// Runs `body` with the calling thread inside this namespace (setns(2) with CLONE_NEWNET),
  /// restoring the original namespace afterwards, also when `body` throws.
  public func run<R>(_ body: () throws -> R) throws -> R {
    let here = "/proc/thread-self/ns/net"
    let target = try NetlinkSocket.retrying(
      "open \(path)", { open(path, O_RDONLY | O_CLOEXEC) }, failed: { $0 < 0 },
      error: { .namespace(path: path, errno: $0) })
    defer { close(target) }
    // NS_GET_NSTYPE (ioctl_ns(2)): the kind of namespace; any other file fails with ENOTTY.
    let kind = ioctl(target, UInt(Self.getNamespaceType))
    guard kind == 0x4000_0000 /* CLONE_NEWNET */ else { throw NetlinkError.notANetworkNamespace(path: path) }
    let original = try NetlinkSocket.retrying(
      "open \(here)", { open(here, O_RDONLY | O_CLOEXEC) }, failed: { $0 < 0 },
      error: { .namespace(path: here, errno: $0) })
    defer { close(original) }
    _ = try NetlinkSocket.retrying(
      "setns \(path)", { kp_enter_network_namespace(target) }, failed: { $0 != 0 },
      error: { .namespace(path: path, errno: $0) })
    defer {
      if kp_enter_network_namespace(original) != 0 {
        fatalError("cannot return to the original network namespace: \(String(cString: strerror(errno)))")
      }
    }
    return try body()
  }
}

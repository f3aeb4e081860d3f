// Errors of the dataplane in words: backend failures (netlink, `nft -f`, the in-memory kernel)
// mapped to what went wrong and what to do about it, so that the CLI only prints them.
import Foundation
import NFTNetlink
import NFTables

/// A dataplane failure, described for the person running kproxy.
public enum DataplaneError: Error, Sendable, Equatable, CustomStringConvertible {
  /// The network namespace to work in does not exist.
  case namespaceNotFound(path: String)
  /// The kernel refused for lack of privilege; `capability` is the one needed.
  case permissionDenied(NetlinkError, capability: String)
  /// nf_tables is missing from the kernel (module not loaded, or not built).
  case nfTablesUnavailable(NetlinkError)
  /// Any other netlink failure (it names the operation, the object and the errno).
  case netlink(NetlinkError)
  /// `nft -f` failed (its message names the offending line).
  case nft(NftCommandError)
  /// The in-memory kernel of the tests refused a transaction.
  case inMemory(InMemoryKernelError)
  /// A failure injected by a test backend.
  case injected(String)
  /// The dry-run output could not be written.
  case output(String)

  public var description: String {
    switch self {
    case .namespaceNotFound(let path): "network namespace \(path) not found"
    case .permissionDenied(let e, let capability):
      capability == "CAP_SYS_ADMIN"
        ? "\(e) — entering a network namespace needs root (CAP_SYS_ADMIN)" : "\(e) — nftables needs root (\(capability))"
    case .nfTablesUnavailable(let e): "\(e) — nf_tables is not available in this kernel (module nf_tables not loaded?)"
    case .netlink(let e): e.description
    case .nft(let e): e.description
    case .inMemory(let e): "in-memory kernel: \(e)"
    case .injected(let why): "injected failure: \(why)"
    case .output(let why): "dry-run output: \(why)"
    }
  }

  /// The netlink error, when this is one.
  public var netlinkError: NetlinkError? {
    switch self {
    case .permissionDenied(let e, _), .nfTablesUnavailable(let e), .netlink(let e): e
    default: nil
    }
  }

  /// A batch refused because the ruleset generation moved since it was computed.
  public var isStaleGeneration: Bool { netlinkError?.isStaleGeneration ?? false }

  /// Maps a netlink error to the dataplane's words (EPERM, a missing nf_tables, …).
  public init(_ e: NetlinkError) {
    switch (e, e.errno) {
    case (.namespace(let path, _), ENOENT?): self = .namespaceNotFound(path: path)
    case (.namespace, EPERM?): self = .permissionDenied(e, capability: "CAP_SYS_ADMIN")
    case (_, EPERM?), (_, EACCES?): self = .permissionDenied(e, capability: "CAP_NET_ADMIN")
    case (.system, EPROTONOSUPPORT?), (.system, EAFNOSUPPORT?), (.rejected("apply transaction", _), EOPNOTSUPP?),
      (.rejected("dump generation", _), EOPNOTSUPP?), (.system, EOPNOTSUPP?):
      self = .nfTablesUnavailable(e)
    default: self = .netlink(e)
    }
  }

  /// Runs `body`, mapping the backends' errors to `DataplaneError` (others pass unchanged).
  public static func mapping<R>(_ body: () throws -> R) throws -> R {
    do {
      return try body()
    } catch let e as NetlinkError {
      throw DataplaneError(e)
    } catch let e as NftCommandError {
      throw DataplaneError.nft(e)
    } catch let e as InMemoryKernelError {
      throw DataplaneError.inMemory(e)
    }
  }
}

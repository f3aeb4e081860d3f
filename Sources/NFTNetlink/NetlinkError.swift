// Errors of the netlink backend, each naming the operation and the object involved, with the
// errno both as text and as its symbolic name: `netlink: add rule to chain X: ... (ENOENT)`.
import Foundation

public enum NetlinkError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kernel rejected one command of a transaction (the whole transaction was aborted).
  case rejected(operation: String, errno: Int32)
  /// A system call on the netlink socket failed.
  case system(operation: String, errno: Int32)
  /// Entering a network namespace failed.
  case namespace(path: String, errno: Int32)
  /// The namespace file exists but is no network namespace (a plain file, a folder, another
  /// kind of namespace).
  case notANetworkNamespace(path: String)
  /// A rule or element could not be lowered into kernel expressions.
  case lowering(operation: String, reason: String)
  /// libnftnl could not allocate an object.
  case outOfMemory(what: String)
  /// A dumped object in kproxy's tables is not one kproxy writes (someone else added it, or
  /// an older kproxy did): the tables are replaced rather than diffed.
  case foreignObject(String)
  /// A reply from the kernel could not be parsed (libnftnl refused it).
  case unparsable(String)
  /// The ruleset kept changing while it was read (the generation moved, or the kernel
  /// interrupted the dump with NLM_F_DUMP_INTR, EINTR or ERESTART): read again later.
  case concurrentChange(String)
  /// A message of a transaction does not fit the encoder's buffer: kproxy's own limit, not
  /// the kernel's; nothing was sent.
  case encodingOverflow(String)
  /// The kernel acknowledged fewer commands of a batch than were sent.
  case missingAcknowledgement(String)

  public var errno: Int32? {
    switch self {
    case .rejected(_, let e), .system(_, let e), .namespace(_, let e): e
    default: nil
    }
  }

  public var description: String {
    switch self {
    case .rejected(let op, let e), .system(let op, let e):
      "netlink: \(op): \(Self.describe(errno: e))"
    case .namespace(let path, let e):
      "network namespace \(path): \(Self.describe(errno: e))"
    case .notANetworkNamespace(let path): "\(path) is not a network namespace"
    case .lowering(let op, let reason): "netlink: \(op): \(reason)"
    case .outOfMemory(let what): "netlink: cannot allocate \(what)"
    case .foreignObject(let what): "netlink: \(what)"
    case .unparsable(let what): "netlink: cannot parse \(what)"
    case .concurrentChange(let what): "netlink: \(what)"
    case .encodingOverflow(let what): "netlink: \(what)"
    case .missingAcknowledgement(let what): "netlink: \(what)"
    }
  }

  /// Whether a dump's error means "the ruleset changed while it was dumped, read again":
  /// EINTR, or ERESTART (85, not exported by Glibc) from nf_tables.
  static func interruptsDump(errno e: Int32) -> Bool { e == EINTR || e == 85 }

  /// `strerror` text followed by the symbolic errno name: `No such file or directory (ENOENT)`.
  public static func describe(errno e: Int32) -> String {
    let text = String(cString: strerror(e))
    guard let name = errnoNames[e] else { return "\(text) (errno \(e))" }
    return "\(text) (\(name))"
  }

  static let errnoNames: [Int32: String] = [
    EPERM: "EPERM", ENOENT: "ENOENT", EINTR: "EINTR", EIO: "EIO", E2BIG: "E2BIG", EBADF: "EBADF",
    EAGAIN: "EAGAIN", ENOMEM: "ENOMEM", EACCES: "EACCES", EFAULT: "EFAULT", EBUSY: "EBUSY",
    EEXIST: "EEXIST", ENODEV: "ENODEV", ENOTDIR: "ENOTDIR", EINVAL: "EINVAL", ENFILE: "ENFILE",
    EMFILE: "EMFILE", ENOSPC: "ENOSPC", ERANGE: "ERANGE", ENAMETOOLONG: "ENAMETOOLONG",
    ENOTSUP: "EOPNOTSUPP", EPROTONOSUPPORT: "EPROTONOSUPPORT", EAFNOSUPPORT: "EAFNOSUPPORT",
    ENOBUFS: "ENOBUFS", EMSGSIZE: "EMSGSIZE", ELOOP: "ELOOP", ENOTEMPTY: "ENOTEMPTY",
    ETIMEDOUT: "ETIMEDOUT", ECONNREFUSED: "ECONNREFUSED", EOVERFLOW: "EOVERFLOW", EPIPE: "EPIPE", EISDIR: "EISDIR",
    EFBIG: "EFBIG", EDQUOT: "EDQUOT", EROFS: "EROFS", ENOTTY: "ENOTTY",
  ]
}

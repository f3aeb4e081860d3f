// The one place TCPRelay turns a failed system call into an error: the operation, the object and
// the errno name; and the EINTR retry every call goes through.
import Glibc

/// A failed system call of the relay, e.g. "bind 10.0.0.1:80: EADDRINUSE (Address already in use)".
public struct RelayError: Error, Sendable, CustomStringConvertible {
  public var operation: String
  public var object: String
  public var code: Int32

  public init(operation: String, object: String, code: Int32) {
    self.operation = operation
    self.object = object
    self.code = code
  }

  public var description: String { "\(operation) \(object): \(Self.name(code)) (\(String(cString: strerror(code))))" }

  /// The symbolic name of the errno values a proxy meets; the number for others.
  static func name(_ code: Int32) -> String {
    switch code {
    case EADDRINUSE: return "EADDRINUSE"
    case EADDRNOTAVAIL: return "EADDRNOTAVAIL"
    case EACCES: return "EACCES"
    case EPERM: return "EPERM"
    case EMFILE: return "EMFILE"
    case ENFILE: return "ENFILE"
    case ENOBUFS: return "ENOBUFS"
    case ENOMEM: return "ENOMEM"
    case ECONNREFUSED: return "ECONNREFUSED"
    case ECONNRESET: return "ECONNRESET"
    case ETIMEDOUT: return "ETIMEDOUT"
    case EHOSTUNREACH: return "EHOSTUNREACH"
    case ENETUNREACH: return "ENETUNREACH"
    case EINVAL: return "EINVAL"
    default: return "errno \(code)"
    }
  }
}

enum Syscall {
  /// Runs `call` until it does not fail with EINTR; returns its result (negative: see `errno`).
  @inline(__always)
  static func retrying<T: BinaryInteger>(_ call: () -> T) -> T {
    while true {
      let result = call()
      if result >= 0 || errno != EINTR { return result }
    }
  }

  /// Runs `call` (retrying EINTR) and throws a RelayError naming `operation` and `object` if it fails.
  @discardableResult
  static func checked<T: BinaryInteger>(_ operation: String, _ object: @autoclosure () -> String, _ call: () -> T) throws -> T {
    let result = retrying(call)
    if result < 0 { throw RelayError(operation: operation, object: object(), code: errno) }
    return result
  }
}

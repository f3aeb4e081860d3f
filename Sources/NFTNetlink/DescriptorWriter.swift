// Checked writes to a file descriptor (standard output, standard error, a child's stdin): the
// whole buffer in as few write(2) calls as the kernel allows, EINTR retried, EAGAIN waited out.
import Foundation

/// A write to a descriptor failed; `errno` says why (EPIPE, ENOSPC, EBADF, ...).
public struct DescriptorWriteError: Error, Sendable, Hashable, CustomStringConvertible {
  public var errno: Int32
  public init(errno: Int32) { self.errno = errno }
  public var description: String { NetlinkError.describe(errno: errno) }
}

/// Writes bytes to one file descriptor, checking every write(2).
public struct DescriptorWriter: Sendable {
  public let descriptor: Int32

  public init(descriptor: Int32) { self.descriptor = descriptor }

  public static let standardOutput = DescriptorWriter(descriptor: STDOUT_FILENO)
  public static let standardError = DescriptorWriter(descriptor: STDERR_FILENO)

  /// Writes all of `text` (a 70 MB script goes out in a few large writes, not line by line).
  /// With SIGPIPE ignored (as kproxy does at start), a reader that went away is an EPIPE error.
  public func write(_ text: String) throws(DescriptorWriteError) {
    var copy = text
    let failure: Int32? = copy.withUTF8 { bytes in writeAll(UnsafeRawBufferPointer(bytes)) }
    if let failure { throw DescriptorWriteError(errno: failure) }
  }

  /// Writes all of `bytes`; returns the errno of the first failed write, nil on success.
  func writeAll(_ bytes: UnsafeRawBufferPointer) -> Int32? {
    var offset = 0
    while offset < bytes.count {
      let n = Glibc.write(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
      if n > 0 {
        offset += n
        continue
      }
      let e = n == 0 ? EIO : errno
      if e == EINTR { continue }
      if e == EAGAIN || e == EWOULDBLOCK {
        // A non-blocking descriptor (inherited from the shell): wait until it takes more.
        var p = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
        _ = poll(&p, 1, -1)
        continue
      }
      return e
    }
    return nil
  }
}

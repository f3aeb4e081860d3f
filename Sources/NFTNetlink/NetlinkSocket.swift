// The NETLINK_NETFILTER socket and every system call of the backend: open (optionally inside
// a network namespace), buffer sizing, send, receive; EINTR is retried, errors are typed.
import CNftnl
import Foundation

/// A netfilter netlink socket. The corresponding libmnl calls are `mnl_socket_open`,
/// `mnl_socket_bind`, `mnl_socket_sendto`, `mnl_socket_recvfrom`, `mnl_socket_close`.
final class NetlinkSocket {
  private let socket: OpaquePointer
  let portID: UInt32
  private var receiveBuffer: [UInt8]

  /// Opens the socket in `namespace` (the calling thread enters it only for socket creation).
  init(namespace: NetworkNamespace?) throws {
    let open: () throws -> OpaquePointer = {
      guard let s = try Self.retrying("open netlink socket", { mnl_socket_open(NETLINK_NETFILTER) }, failed: { $0 == nil }) else {
        throw NetlinkError.system(operation: "open netlink socket", errno: ENOMEM)
      }
      return s
    }
    let s = try namespace.map { try $0.run(open) } ?? open()
    socket = s
    do {
      _ = try Self.retrying("bind netlink socket", { mnl_socket_bind(s, 0, pid_t(MNL_SOCKET_AUTOPID)) }, failed: { $0 < 0 })
    } catch {
      mnl_socket_close(s)
      throw error
    }
    portID = mnl_socket_get_portid(s)
    receiveBuffer = [UInt8](repeating: 0, count: max(kp_mnl_socket_buffer_size(), 1 << 18))
    // Errors carry only the header of the failed message, not a copy of it.
    var one: Int32 = 1
    _ = setsockopt(mnl_socket_get_fd(s), Int32(SOL_NETLINK), NETLINK_CAP_ACK, &one, socklen_t(MemoryLayout<Int32>.size))
  }

  deinit { mnl_socket_close(socket) }

  /// Runs a system call, retrying while it fails with EINTR; throws the errno otherwise
  /// (as `error(errno)`, by default a `.system` error naming `operation`).
  static func retrying<T>(
    _ operation: String, _ call: () -> T, failed: (T) -> Bool,
    error: ((Int32) -> NetlinkError)? = nil
  ) throws -> T {
    while true {
      let r = call()
      if !failed(r) { return r }
      let e = errno
      if e == EINTR { continue }
      throw error?(e) ?? NetlinkError.system(operation: operation, errno: e)
    }
  }

  /// Sets the send and receive buffers to at least the given sizes: SO_SNDBUFFORCE and
  /// SO_RCVBUFFORCE (CAP_NET_ADMIN in the initial user namespace; the kernel doubles the
  /// value). Where they are not permitted (EPERM: a rootless user namespace, where nf_tables
  /// itself works), SO_SNDBUF and SO_RCVBUF instead, which the kernel caps at
  /// net.core.wmem_max / rmem_max; `sendBufferLimit` then says how large a batch can be.
  func reserveBuffers(send: Int, receive: Int) throws {
    let fd = mnl_socket_get_fd(socket)
    let options = [
      (SO_SNDBUFFORCE, SO_SNDBUF, send, "SO_SNDBUFFORCE", "SO_SNDBUF"), (SO_RCVBUFFORCE, SO_RCVBUF, receive, "SO_RCVBUFFORCE", "SO_RCVBUF"),
    ]
    for (forced, plain, size, forcedName, plainName) in options {
      var v = Int32(clamping: min(size, Int(Int32.max / 2)))
      let length = socklen_t(MemoryLayout<Int32>.size)
      do {
        _ = try Self.retrying("setsockopt \(forcedName)", { setsockopt(fd, SOL_SOCKET, forced, &v, length) }, failed: { $0 < 0 })
      } catch let e as NetlinkError where e.errno == EPERM {
        _ = try Self.retrying("setsockopt \(plainName)", { setsockopt(fd, SOL_SOCKET, plain, &v, length) }, failed: { $0 < 0 })
        if forced == SO_SNDBUFFORCE { buffersCapped = true }
      }
    }
  }

  /// True when the buffers could not be forced (see `reserveBuffers`).
  private(set) var buffersCapped = false

  /// The send buffer as the kernel has it (doubled, as setsockopt documents), in bytes.
  var sendBufferSize: Int {
    var v: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    guard getsockopt(mnl_socket_get_fd(socket), SOL_SOCKET, SO_SNDBUF, &v, &length) == 0 else { return 0 }
    return Int(v)
  }

  /// Sends `bytes` as one datagram (a batch must reach the kernel in one piece).
  func send(_ bytes: UnsafeRawBufferPointer) throws {
    let n = try Self.retrying(
      "send batch of \(bytes.count) bytes", { mnl_socket_sendto(socket, bytes.baseAddress, bytes.count) }, failed: { $0 < 0 },
      error: { e in
        guard e == EMSGSIZE || e == ENOBUFS, self.buffersCapped else {
          return .system(operation: "send batch of \(bytes.count) bytes", errno: e)
        }
        return .system(
          operation:
            "send batch of \(bytes.count) bytes (the socket's send buffer is \(self.sendBufferSize) bytes: SO_SNDBUFFORCE is not permitted here, as in a user namespace, and net.core.wmem_max caps SO_SNDBUF; a transaction must go in one batch)",
          errno: e)
      })
    guard n == bytes.count else { throw NetlinkError.system(operation: "send batch (short write)", errno: EMSGSIZE) }
  }

  /// Receives one datagram and passes each message in it to `body`; returns false when
  /// `wait` is false and nothing is pending.
  func receive(wait: Bool, _ body: (UnsafePointer<nlmsghdr>) throws -> Void) throws -> Bool {
    let fd = mnl_socket_get_fd(socket)
    let flags = wait ? Int32(0) : Int32(MSG_DONTWAIT)
    let count = receiveBuffer.count
    return try receiveBuffer.withUnsafeMutableBytes { buf -> Bool in
      var n = 0
      while true {
        n = recv(fd, buf.baseAddress, count, flags)
        if n >= 0 { break }
        let e = errno
        if e == EINTR { continue }
        if !wait && (e == EAGAIN || e == EWOULDBLOCK) { return false }
        throw NetlinkError.system(operation: "receive", errno: e)
      }
      var len = Int32(n)
      var nlh = buf.baseAddress!.assumingMemoryBound(to: nlmsghdr.self)
      while mnl_nlmsg_ok(nlh, len) {
        try body(UnsafePointer(nlh))
        nlh = mnl_nlmsg_next(nlh, &len)
      }
      return true
    }
  }
}

// IPEndpoint as TCPRelay's sockets see it: turned into a sockaddr on the stack only for the call
// that needs one, and read back from what accept(2) or getsockname(2) filled.
import CEpoll
import Glibc
import NetAddress

/// An endpoint or client address of the relay's sockets.
public typealias RelayAddress = IPEndpoint

extension IPEndpoint {
  var family: Int32 {
    switch address {
    case .v4: return AF_INET
    case .v6: return AF_INET6
    }
  }

  /// Calls `body` with this address as a `struct sockaddr` and its length.
  func withSockAddr<T>(_ body: (UnsafePointer<sockaddr>, socklen_t) -> T) -> T {
    switch address {
    case .v4(let v4):
      var socketAddress = sockaddr_in()
      socketAddress.sin_family = sa_family_t(AF_INET)
      socketAddress.sin_port = port.bigEndian
      socketAddress.sin_addr.s_addr = v4.value.bigEndian
      return withUnsafePointer(to: &socketAddress) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
      }
    case .v6(let v6):
      var socketAddress = sockaddr_in6()
      socketAddress.sin6_family = sa_family_t(AF_INET6)
      socketAddress.sin6_port = port.bigEndian
      withUnsafeMutableBytes(of: &socketAddress.sin6_addr) { raw in
        withUnsafeBytes(of: v6.high.bigEndian) { raw.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: 8) }
        withUnsafeBytes(of: v6.low.bigEndian) { (raw.baseAddress! + 8).copyMemory(from: $0.baseAddress!, byteCount: 8) }
      }
      return withUnsafePointer(to: &socketAddress) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_in6>.size)) }
      }
    }
  }

  /// The address in `storage` (as accept(2) or getsockname(2) filled it); nil for another family.
  init?(_ storage: inout sockaddr_storage) {
    switch Int32(storage.ss_family) {
    case AF_INET:
      let socketAddress = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { $0.pointee } }
      self.init(
        address: .v4(IPv4Address(UInt32(bigEndian: socketAddress.sin_addr.s_addr))), port: UInt16(bigEndian: socketAddress.sin_port))
    case AF_INET6:
      let socketAddress = withUnsafePointer(to: &storage) { $0.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { $0.pointee } }
      var high: UInt64 = 0
      var low: UInt64 = 0
      withUnsafeBytes(of: socketAddress.sin6_addr) { raw in
        high = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        low = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
      }
      self.init(address: .v6(IPv6Address(high: high, low: low)), port: UInt16(bigEndian: socketAddress.sin6_port))
    default:
      return nil
    }
  }
}

// Refusing a TCP client as the nftables path's REJECT does: close with SO_LINGER 0, which sends
// RST instead of FIN, so the client sees "connection reset" at once.
import NIOCore

#if canImport(Glibc)
  import Glibc
#elseif canImport(Musl)
  import Musl
#endif

extension Channel {
  /// Closes with SO_LINGER {on, 0} (RST).
  func resetAndClose() {
    guard let provider = self as? SocketOptionProvider else {
      close(promise: nil)
      return
    }
    provider.setSoLinger(linger(l_onoff: 1, l_linger: 0)).whenComplete { [self] _ in close(promise: nil) }
  }
}

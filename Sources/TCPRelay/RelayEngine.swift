// The TCP relay: its event loops (one thread each), and listen sockets that every loop accepts
// on; what a listener's connections are, how many are open, and closing them.
import CEpoll
import Glibc
import NIOConcurrencyHelpers
import NetAddress

/// A bound TCP listen socket served by every loop of an engine.
public final class RelayListener: Sendable, CustomStringConvertible {
  public let address: RelayAddress
  /// The port bound (the asked one, or the kernel's choice for port 0).
  public let boundPort: UInt16
  let fd: Int32
  let delegate: RelayListenerDelegate
  private let isOpen = NIOLockedValueBox(true)

  init(address: RelayAddress, boundPort: UInt16, fd: Int32, delegate: RelayListenerDelegate) {
    self.address = address
    self.boundPort = boundPort
    self.fd = fd
    self.delegate = delegate
  }

  public var description: String { address.description }

  /// Closes the listen socket the first time only.
  func closeSocket() {
    let wasOpen = isOpen.withLockedValue { open -> Bool in
      defer { open = false }
      return open
    }
    if wasOpen { close(fd) }
  }
}

/// Event-loop threads relaying TCP connections between clients and the endpoints their listener's
/// delegate names. Not NIO: each connection costs two sockets, two epoll registrations and no
/// allocation but its delegate's state.
public final class RelayEngine: Sendable {
  public let settings: RelaySettings
  let loops: [RelayLoop]

  public init(threads: Int, settings: RelaySettings) throws {
    self.settings = settings
    var loops: [RelayLoop] = []
    do {
      for index in 0..<max(1, threads) { loops.append(try RelayLoop(index: index, settings: settings)) }
    } catch {
      for loop in loops { loop.discard() }
      throw error
    }
    self.loops = loops
    for loop in loops { loop.start() }
  }

  public var threads: Int { loops.count }

  /// Binds and listens on `address` (SO_REUSEADDR, IP_FREEBIND as set) and serves it on every loop.
  public func listen(on address: RelayAddress, delegate: RelayListenerDelegate) throws -> RelayListener {
    let object = "\(address)/TCP"
    let fd = try Syscall.checked("socket", object) {
      socket(address.family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
    }
    do {
      var one: Int32 = 1
      let size = socklen_t(MemoryLayout<Int32>.size)
      try Syscall.checked("setsockopt SO_REUSEADDR", object) { setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, size) }
      if settings.freeBind {
        // IP_FREEBIND (15) and IPV6_FREEBIND (78) from linux/in.h and linux/in6.h.
        let (level, name) = address.family == AF_INET ? (Int32(IPPROTO_IP), Int32(15)) : (Int32(IPPROTO_IPV6), Int32(78))
        try Syscall.checked("setsockopt FREEBIND", object) { setsockopt(fd, level, name, &one, size) }
      }
      try Syscall.checked("bind", object) { address.withSockAddr { bind(fd, $0, $1) } }
      try Syscall.checked("listen", object) { Glibc.listen(fd, settings.backlog) }
      var storage = sockaddr_storage()
      var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
      try Syscall.checked("getsockname", object) {
        withUnsafeMutablePointer(to: &storage) {
          $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
      }
      let bound = RelayAddress(&storage)?.port ?? address.port
      let listener = RelayListener(address: address, boundPort: bound, fd: fd, delegate: delegate)
      for loop in loops { loop.execute { $0.watch(listener) } }
      return listener
    } catch {
      close(fd)
      throw error
    }
  }

  /// Stops accepting on `listener` and closes its socket; its connections stay.
  public func stopAccepting(_ listener: RelayListener) async {
    for loop in loops { _ = await loop.run { $0.unwatch(listener) } }
    listener.closeSocket()
  }

  /// The open connections `listener` accepted, on every loop.
  public func openConnections(of listener: RelayListener) async -> Int {
    let id = ObjectIdentifier(listener)
    return await sum { loop in loop.count { $0.listener == id } }
  }

  /// Closes (FIN) every connection `listener` accepted; returns how many.
  public func closeConnections(of listener: RelayListener) async -> Int {
    let id = ObjectIdentifier(listener)
    return await sum { loop in loop.closeAll { $0.listener == id } }
  }

  /// `body` run on every loop's thread, summed (a stopped loop counts 0).
  private func sum(_ body: @escaping @Sendable (RelayLoop) -> Int) async -> Int {
    var total = 0
    for loop in loops { total += await loop.run(body) ?? 0 }
    return total
  }

  /// Runs `body` on loop `index`'s thread (e.g. to read what its connections counted there).
  public func run<T: Sendable>(onLoop index: Int, _ body: @escaping @Sendable () -> T) async -> T? {
    await loops[index].run { _ in body() }
  }

  /// Closes every connection and stops the loops. Listen sockets not stopped yet are closed.
  public func shutdown(closing listeners: [RelayListener]) async {
    for loop in loops { await loop.stop() }
    for listener in listeners { listener.closeSocket() }
  }
}

extension RelayLoop {
  /// Client connections whose slot satisfies `matches`.
  func count(where matches: (RelaySlot) -> Bool) -> Int {
    guard highestFD >= 0 else { return 0 }
    var total = 0
    for fd in 0...highestFD where slots[Int(fd)].role == .client && matches(slots[Int(fd)]) { total += 1 }
    return total
  }

  /// Closes the client connections whose slot satisfies `matches`; returns how many.
  func closeAll(where matches: (RelaySlot) -> Bool) -> Int {
    guard highestFD >= 0 else { return 0 }
    var total = 0
    for fd in 0...highestFD where slots[Int(fd)].role == .client && matches(slots[Int(fd)]) {
      closePair(fd, reset: false)
      total += 1
    }
    return total
  }
}

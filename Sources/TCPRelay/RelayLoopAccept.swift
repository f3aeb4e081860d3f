// Accepting on a relay loop: every loop waits on each listen socket (EPOLLEXCLUSIVE wakes one),
// takes what is queued, asks the listener's delegate, and pauses after an accept error.
import CEpoll
import Glibc

extension RelayLoop {
  /// Starts serving `listener` on this loop.
  func watch(_ listener: RelayListener) {
    listeners[listener.fd] = listener
    ensureSlot(listener.fd)
    slots[Int(listener.fd)].role = .listener
    register(listener.fd, events: EPOLLIN.rawValue | EPOLLEXCLUSIVE.rawValue)
  }

  /// Stops serving `listener` on this loop (its connections stay).
  func unwatch(_ listener: RelayListener) {
    guard listeners[listener.fd] === listener else { return }
    listeners[listener.fd] = nil
    pausedListeners.removeAll { $0.listener === listener }
    _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listener.fd, nil)
    slots[Int(listener.fd)].release()
  }

  func acceptConnections(on fd: Int32) {
    guard let listener = listeners[fd] else { return }
    // A bounded batch: the socket is level-triggered, so what is left wakes the loop again.
    for _ in 0..<64 {
      var storage = sockaddr_storage()
      var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
      let client = kproxy_accept4(fd, &storage, &length, Int32(SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue))
      if client < 0 {
        let code = errno
        switch code {
        case EAGAIN, EWOULDBLOCK: return
        case EINTR, ECONNABORTED, EPROTO: continue
        default:
          listener.delegate.acceptFailed(RelayError(operation: "accept", object: listener.description, code: code))
          pause(listener)
          return
        }
      }
      ensureSlot(client)
      setNoDelay(client)
      let connection = listener.delegate.accepted(client: RelayAddress(&storage)?.address, loop: index)
      guard let connection else {
        resetAndClose(client)
        continue
      }
      var slot = RelaySlot(generation: slots[Int(client)].generation &+ 1)
      slot.role = .client
      slot.connection = connection
      slot.listener = ObjectIdentifier(listener)
      slots[Int(client)] = slot
      register(client, events: Self.socketEvents)
      dial(client: client, attempt: 0)
    }
  }

  /// Takes `listener` out of this loop's epoll set for the accept back-off.
  private func pause(_ listener: RelayListener) {
    _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listener.fd, nil)
    slots[Int(listener.fd)].release()
    pausedListeners.append((Self.now() + settings.acceptBackoff, listener))
  }

  /// What every proxied socket is registered for, once: edge-triggered reads, writes and peer FIN.
  static let socketEvents = EPOLLIN.rawValue | EPOLLOUT.rawValue | EPOLLRDHUP.rawValue | EPOLLET.rawValue

  func setNoDelay(_ fd: Int32) {
    var one: Int32 = 1
    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
  }

  /// Closes `fd` with SO_LINGER {on, 0}: the peer gets RST ("connection reset"), as nftables' REJECT.
  func resetAndClose(_ fd: Int32) {
    var option = linger(l_onoff: 1, l_linger: 0)
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    close(fd)
  }
}

// Moving bytes on a relay loop: read from one socket into the loop's buffer and write on at once;
// what the partner cannot take waits in its slot and the reading side pauses (back-pressure);
// a FIN is passed on once what was read before it is out; errors reset both sides.
import CEpoll
import Glibc

extension RelayLoop {
  func socketEvent(_ fd: Int32, _ events: UInt32) {
    if slots[Int(fd)].connecting {
      guard events & (EPOLLOUT.rawValue | EPOLLERR.rawValue | EPOLLHUP.rawValue) != 0 else { return }
      if socketError(fd) != 0 || events & EPOLLHUP.rawValue != 0 && events & EPOLLOUT.rawValue == 0 {
        dialFailed(backend: fd)
        return
      }
      if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue) != 0 { slots[Int(fd)].readable = true }
      if events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue) != 0 { slots[Int(fd)].peerShutOutput = true }
      connected(backend: fd)
      return
    }
    if events & (EPOLLIN.rawValue | EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 {
      slots[Int(fd)].readable = true
    }
    if events & (EPOLLRDHUP.rawValue | EPOLLHUP.rawValue | EPOLLERR.rawValue) != 0 { slots[Int(fd)].peerShutOutput = true }
    let peer = slots[Int(fd)].peer
    if slots[Int(fd)].readable, !relay(from: fd) { return }
    if events & EPOLLOUT.rawValue != 0, peer >= 0, slots[Int(fd)].hasPending {
      if !flush(to: fd) { return }
      if slots[Int(peer)].readable { relay(from: peer) } else { passOnEOF(from: peer) }
    }
  }

  /// Reads what `source` has and writes it to its partner. False when the pair was closed.
  @discardableResult
  func relay(from source: Int32) -> Bool {
    let target = slots[Int(source)].peer
    guard target >= 0, !slots[Int(target)].connecting, !slots[Int(target)].hasPending else { return true }
    let client = slots[Int(source)].role == .client ? source : target
    let size = settings.readBufferSize
    while slots[Int(source)].readable && !slots[Int(source)].readEOF {
      let count = read(source, buffer, size)
      if count < 0 {
        let code = errno
        if code == EAGAIN || code == EWOULDBLOCK {
          slots[Int(source)].readable = false
          break
        }
        if code == EINTR { continue }
        closePair(source, reset: true)
        return false
      }
      if count == 0 {
        slots[Int(source)].readEOF = true
        slots[Int(source)].readable = false
        break
      }
      if source == client {
        slots[Int(client)].connection?.relayedFromClient(count)
      } else {
        slots[Int(client)].connection?.relayedToClient(count)
      }
      slots[Int(client)].sawTraffic = true
      var written = 0
      while written < count {
        let result = send(target, buffer + written, count - written, Int32(MSG_NOSIGNAL))
        if result < 0 {
          let code = errno
          if code == EINTR { continue }
          if code == EAGAIN || code == EWOULDBLOCK { break }
          closePair(source, reset: true)
          return false
        }
        written += result
      }
      if written < count {
        // The partner is full: keep the rest for it and stop reading here until it drains.
        slots[Int(target)].pending = Array(UnsafeRawBufferPointer(start: buffer + written, count: count - written))
        slots[Int(target)].pendingOffset = 0
        return true
      }
      // A short read emptied the socket; a later arrival is a new edge. After a FIN, read on to EOF.
      if count < size && !slots[Int(source)].peerShutOutput {
        slots[Int(source)].readable = false
        break
      }
    }
    return passOnEOF(from: source)
  }

  /// Writes what waits for `target`; false when the pair was closed.
  func flush(to target: Int32) -> Bool {
    while slots[Int(target)].hasPending {
      let offset = slots[Int(target)].pendingOffset
      let result = slots[Int(target)].pending.withUnsafeBytes { bytes in
        send(target, bytes.baseAddress! + offset, bytes.count - offset, Int32(MSG_NOSIGNAL))
      }
      if result < 0 {
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return true }
        closePair(target, reset: true)
        return false
      }
      slots[Int(target)].pendingOffset += result
    }
    slots[Int(target)].pending = []
    slots[Int(target)].pendingOffset = 0
    return true
  }

  /// After `source` reached EOF and its bytes are out: FIN to its partner; when both ways are done,
  /// closes the pair. False when the pair was closed.
  @discardableResult
  func passOnEOF(from source: Int32) -> Bool {
    let target = slots[Int(source)].peer
    guard target >= 0 else { return true }
    let step = EndOfStream.step(source: slots[Int(source)], target: slots[Int(target)])
    guard step != .wait else { return true }
    shutdown(target, Int32(SHUT_WR))
    slots[Int(target)].outputShut = true
    if step == .shutTargetAndClose {
      closePair(source, reset: false)
      return false
    }
    return true
  }

  /// Closes `fd` and its partner (with RST when `reset`) and tells the connection's user.
  func closePair(_ fd: Int32, reset: Bool) {
    let peer = slots[Int(fd)].peer
    let client = slots[Int(fd)].role == .client ? fd : peer
    let connection = client >= 0 ? slots[Int(client)].connection : nil
    for socket in [fd, peer] where socket >= 0 {
      slots[Int(socket)].release()
      if reset { resetAndClose(socket) } else { close(socket) }
    }
    connection?.closed()
  }
}

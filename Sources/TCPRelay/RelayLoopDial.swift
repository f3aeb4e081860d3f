// Dialing an accepted connection's endpoints on a relay loop: a non-blocking connect per attempt
// with that attempt's timeout, the next target after a failure, and a reset client when none answers.
import CEpoll
import Glibc

extension RelayLoop {
  /// Dials `client`'s targets from `attempt` on.
  func dial(client: Int32, attempt first: Int) {
    guard let connection = slots[Int(client)].connection else { return }
    let targets = connection.targets
    var attempt = first
    while attempt < targets.count && attempt < settings.connectTimeouts.count {
      let target = targets[attempt]
      var backend = openSocket(family: target.family)
      if backend < 0, errno == EMFILE || errno == ENFILE, spareFD >= 0 {
        close(spareFD)
        spareFD = -1
        backend = openSocket(family: target.family)
      }
      if backend < 0 {
        let code = errno
        let outOfFiles = code == EMFILE || code == ENFILE
        connection.dialFailed(attempt: attempt, outOfFiles: outOfFiles)
        if outOfFiles { break }
        attempt += 1
        continue
      }
      ensureSlot(backend)
      setNoDelay(backend)
      let result = Syscall.retrying { target.withSockAddr { connect(backend, $0, $1) } }
      let inProgress = result < 0 && errno == EINPROGRESS
      guard result == 0 || inProgress else {
        close(backend)
        connection.dialFailed(attempt: attempt, outOfFiles: false)
        attempt += 1
        continue
      }
      var slot = RelaySlot(generation: slots[Int(backend)].generation &+ 1)
      slot.role = .backend
      slot.peer = client
      slot.connecting = true
      slots[Int(backend)] = slot
      slots[Int(client)].peer = backend
      slots[Int(client)].attempt = attempt
      register(backend, events: Self.socketEvents)
      if inProgress {
        connectDeadlines[attempt].push(
          .init(deadline: Self.now() + settings.connectTimeouts[attempt], fd: backend, generation: slot.generation))
      } else {
        connected(backend: backend)
      }
      return
    }
    connection.allEndpointsFailed(attempts: attempt)
    closePair(client, reset: true)
  }

  private func openSocket(family: Int32) -> Int32 {
    socket(family, Int32(SOCK_STREAM.rawValue | SOCK_NONBLOCK.rawValue | SOCK_CLOEXEC.rawValue), 0)
  }

  /// `backend`'s connect completed: relay from now on, starting with what the client already sent.
  func connected(backend: Int32) {
    let client = slots[Int(backend)].peer
    slots[Int(backend)].connecting = false
    slots[Int(client)].connection?.dialSucceeded(attempt: slots[Int(client)].attempt)
    if settings.idleTimeout != nil { slots[Int(client)].watchIdleness(now: Self.now()) }
    if slots[Int(client)].readable, !relay(from: client) { return }
    if slots[Int(backend)].readable { relay(from: backend) }
  }

  /// `backend`'s connect failed or timed out: forget it and dial the next target.
  func dialFailed(backend: Int32) {
    let client = slots[Int(backend)].peer
    slots[Int(backend)].release()
    close(backend)
    slots[Int(client)].peer = -1
    let attempt = slots[Int(client)].attempt
    slots[Int(client)].connection?.dialFailed(attempt: attempt, outOfFiles: false)
    dial(client: client, attempt: attempt + 1)
  }

  /// The pending error of a connecting socket (SO_ERROR); 0 when it connected.
  func socketError(_ fd: Int32) -> Int32 {
    var code: Int32 = 0
    var length = socklen_t(MemoryLayout<Int32>.size)
    if getsockopt(fd, SOL_SOCKET, SO_ERROR, &code, &length) < 0 { return errno }
    return code
  }
}

// One relay event loop: a thread around an edge-triggered epoll set, the table of the descriptors
// it owns, a mailbox other threads post work to (woken through an eventfd), and its timers.
import CEpoll
import Foundation
import Glibc
import NIOConcurrencyHelpers

/// One event-loop thread. Everything but `execute`/`run`/`stop` is used only on that thread.
final class RelayLoop: @unchecked Sendable {
  typealias Job = @Sendable (RelayLoop) -> Void

  private struct Mailbox {
    var jobs: [Job] = []
    var stopped = false
    var exitWaiters: [CheckedContinuation<Void, Never>] = []
    var exited = false
  }

  let index: Int
  let settings: RelaySettings
  let epollFD: Int32
  private let wakeFD: Int32
  /// Indexed by fd, `capacity` slots; grown (doubling) when a larger fd arrives, so that memory
  /// follows the descriptors in use rather than the open-file limit (often 2^20 in containers).
  private(set) var slots: UnsafeMutablePointer<RelaySlot>
  private(set) var capacity: Int
  /// The highest fd this loop has used (what drains and sweeps scan up to).
  var highestFD: Int32 = 0
  let buffer: UnsafeMutableRawPointer
  private let mailbox = NIOLockedValueBox(Mailbox())
  /// Listen sockets served here, by fd.
  var listeners: [Int32: RelayListener] = [:]
  /// Listen sockets paused after an accept error, and when they resume.
  var pausedListeners: [(deadline: UInt64, listener: RelayListener)] = []
  /// Connect timeouts, one queue per attempt number (each attempt has one timeout).
  var connectDeadlines: [DeadlineQueue]
  var nextIdleSweep: UInt64 = .max
  /// A descriptor held in reserve: when the file limit is reached between accepting a client and
  /// opening its endpoint socket, it is given up so that the accepted client is served, not reset
  /// (accept then fails and backs off until descriptors are free again). -1 while given up.
  var spareFD: Int32 = -1
  private var running = true

  init(index: Int, settings: RelaySettings) throws {
    self.index = index
    self.settings = settings
    capacity = 1024
    epollFD = try Syscall.checked("epoll_create1", "relay loop \(index)") { epoll_create1(Int32(EPOLL_CLOEXEC)) }
    do {
      wakeFD = try Syscall.checked("eventfd", "relay loop \(index)") { eventfd(0, Int32(EFD_NONBLOCK | EFD_CLOEXEC)) }
    } catch {
      close(epollFD)
      throw error
    }
    slots = .allocate(capacity: capacity)
    slots.initialize(repeating: RelaySlot(), count: capacity)
    buffer = .allocate(byteCount: max(settings.readBufferSize, 4096), alignment: 16)
    connectDeadlines = Array(repeating: DeadlineQueue(), count: settings.connectTimeouts.count)
    ensureSlot(wakeFD)
    slots[Int(wakeFD)].role = .wakeup
    register(wakeFD, events: EPOLLIN.rawValue)
    if let timeout = settings.idleTimeout { nextIdleSweep = Self.now() + RelaySettings.sweepPeriod(for: timeout) }
    spareFD = Self.openSpare()
  }

  /// A descriptor to hold in reserve (/dev/null); -1 when none can be opened now.
  static func openSpare() -> Int32 { open("/dev/null", O_RDONLY | O_CLOEXEC) }

  deinit {
    slots.deinitialize(count: capacity)
    slots.deallocate()
    buffer.deallocate()
  }

  /// Starts the loop's thread.
  func start() {
    let thread = Thread { [self] in runLoop() }
    thread.name = "kproxy-relay-\(index)"
    thread.start()
  }

  /// Closes the descriptors of a loop that was never started.
  func discard() {
    close(wakeFD)
    close(epollFD)
    if spareFD >= 0 { close(spareFD) }
    spareFD = -1
  }

  // MARK: other threads

  /// Runs `job` on the loop's thread; false (and `job` not run) once the loop has stopped.
  @discardableResult
  func execute(_ job: @escaping Job) -> Bool {
    let posted = mailbox.withLockedValue { box -> Bool in
      guard !box.stopped else { return false }
      box.jobs.append(job)
      return true
    }
    if posted { eventfd_write(wakeFD, 1) }
    return posted
  }

  /// `body`'s result, computed on the loop's thread; nil once the loop has stopped.
  func run<T: Sendable>(_ body: @escaping @Sendable (RelayLoop) -> T) async -> T? {
    await withCheckedContinuation { (continuation: CheckedContinuation<T?, Never>) in
      let posted = execute { loop in continuation.resume(returning: body(loop)) }
      if !posted { continuation.resume(returning: nil) }
    }
  }

  /// Stops the loop: it closes every connection it owns and its thread ends; returns then.
  func stop() async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
      let alreadyExited = mailbox.withLockedValue { box -> Bool in
        if box.exited { return true }
        box.exitWaiters.append(continuation)
        if !box.stopped {
          box.stopped = true
          box.jobs.append { $0.running = false }
        }
        return false
      }
      if alreadyExited { continuation.resume() } else { eventfd_write(wakeFD, 1) }
    }
  }

  // MARK: the loop's thread

  private func runLoop() {
    let capacity: Int32 = 256
    let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(capacity))
    defer { events.deallocate() }
    while running {
      let count = epoll_wait(epollFD, events, capacity, waitTimeoutMilliseconds())
      if count < 0 {
        if errno == EINTR { continue }
        break
      }
      for event in UnsafeBufferPointer(start: events, count: Int(count)) { dispatch(event) }
      runTimers(now: Self.now())
    }
    tearDown()
  }

  private func dispatch(_ event: epoll_event) {
    let data = event.data.u64
    let fd = Int32(truncatingIfNeeded: data)
    guard fd >= 0, Int(fd) < capacity, slots[Int(fd)].generation == UInt32(truncatingIfNeeded: data >> 32) else { return }
    switch slots[Int(fd)].role {
    case .wakeup: runJobs()
    case .listener: acceptConnections(on: fd)
    case .client, .backend: socketEvent(fd, event.events)
    case .free: return
    }
  }

  private func runJobs() {
    var value: UInt64 = 0
    _ = eventfd_read(wakeFD, &value)
    let jobs = mailbox.withLockedValue { box -> [Job] in
      defer { box.jobs.removeAll() }
      return box.jobs
    }
    for job in jobs { job(self) }
  }

  private func waitTimeoutMilliseconds() -> Int32 {
    var earliest = nextIdleSweep
    for queue in connectDeadlines { if let first = queue.first, first.deadline < earliest { earliest = first.deadline } }
    for paused in pausedListeners where paused.deadline < earliest { earliest = paused.deadline }
    if earliest == .max { return -1 }
    let now = Self.now()
    if earliest <= now { return 0 }
    return Int32(min((earliest - now + 999_999) / 1_000_000, 60_000))
  }

  private func runTimers(now: UInt64) {
    if spareFD < 0 { spareFD = Self.openSpare() }
    for attempt in connectDeadlines.indices {
      while let first = connectDeadlines[attempt].first, first.deadline <= now {
        _ = connectDeadlines[attempt].popFirst()
        let slot = slots[Int(first.fd)]
        if slot.generation == first.generation, slot.role == .backend, slot.connecting {
          dialFailed(backend: first.fd)
        }
      }
    }
    if !pausedListeners.isEmpty, pausedListeners.contains(where: { $0.deadline <= now }) {
      let due = pausedListeners.filter { $0.deadline <= now }
      pausedListeners.removeAll { $0.deadline <= now }
      for paused in due where listeners[paused.listener.fd] === paused.listener { watch(paused.listener) }
    }
    if now >= nextIdleSweep, let timeout = settings.idleTimeout {
      sweepIdle(now: now, timeout: timeout)
      nextIdleSweep = now + RelaySettings.sweepPeriod(for: timeout)
    }
  }

  /// One idle sweep: a connection that moved bytes since the previous sweep is quiet from `now`
  /// on; one quiet for `timeout` or longer is closed.
  private func sweepIdle(now: UInt64, timeout: UInt64) {
    guard highestFD >= 0 else { return }
    for fd in 0...highestFD where slots[Int(fd)].role == .client && slots[Int(fd)].sweep(now: now, timeout: timeout) {
      closePair(fd, reset: false)
    }
  }

  private func tearDown() {
    if highestFD >= 0 {
      for fd in 0...highestFD where slots[Int(fd)].role == .client { closePair(fd, reset: false) }
    }
    for listener in listeners.values { _ = epoll_ctl(epollFD, EPOLL_CTL_DEL, listener.fd, nil) }
    listeners.removeAll()
    close(wakeFD)
    close(epollFD)
    if spareFD >= 0 { close(spareFD) }
    let (waiters, jobs) = mailbox.withLockedValue { box -> ([CheckedContinuation<Void, Never>], [Job]) in
      box.exited = true
      box.stopped = true
      defer {
        box.exitWaiters.removeAll()
        box.jobs.removeAll()
      }
      return (box.exitWaiters, box.jobs)
    }
    // Jobs posted before the stop still run (they answer their callers); the loop is empty now.
    for job in jobs { job(self) }
    for waiter in waiters { waiter.resume() }
  }

  // MARK: helpers for the loop's thread

  /// Makes `fd` a valid index of `slots`.
  func ensureSlot(_ fd: Int32) {
    guard Int(fd) >= capacity else { return }
    var grownCapacity = capacity
    while grownCapacity <= Int(fd) { grownCapacity *= 2 }
    let grown = UnsafeMutablePointer<RelaySlot>.allocate(capacity: grownCapacity)
    grown.moveInitialize(from: slots, count: capacity)
    (grown + capacity).initialize(repeating: RelaySlot(), count: grownCapacity - capacity)
    slots.deallocate()
    slots = grown
    capacity = grownCapacity
  }

  /// Adds `fd` to the epoll set with its slot's generation in the event data.
  @discardableResult
  func register(_ fd: Int32, events: UInt32) -> Bool {
    var event = epoll_event()
    event.events = events
    event.data.u64 = UInt64(slots[Int(fd)].generation) << 32 | UInt64(UInt32(bitPattern: fd))
    if fd > highestFD { highestFD = fd }
    return epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, &event) == 0
  }

  static func now() -> UInt64 {
    var time = timespec()
    clock_gettime(CLOCK_MONOTONIC, &time)
    return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
  }
}

// What one event loop knows of each file descriptor it owns (a table indexed by fd), and the
// first-in-first-out deadline queues that serve its timers without a heap.

/// The state of one descriptor on one loop. `generation` changes whenever the slot is reused, so
/// that an epoll event queued for an earlier owner of the same fd number is recognised and dropped.
struct RelaySlot {
  enum Role: UInt8 { case free, wakeup, listener, client, backend }

  var generation: UInt32 = 0
  var role: Role = .free
  /// The other socket of the pair (a client's backend, a backend's client); -1: none (yet).
  var peer: Int32 = -1
  /// A backend whose non-blocking connect has not completed.
  var connecting = false
  /// An edge said there is something to read that has not been read yet.
  var readable = false
  /// The peer of this socket shut its output (EPOLLRDHUP): read until EOF, not just one short read.
  var peerShutOutput = false
  /// read(2) returned 0.
  var readEOF = false
  /// This socket's output was shut (the FIN of its partner's peer passed on).
  var outputShut = false
  /// Bytes read from the partner that this socket could not take yet, from `pendingOffset` on.
  var pending: [UInt8] = []
  var pendingOffset = 0
  // Client sockets only:
  /// The user's state of the connection.
  var connection: RelayConnection?
  /// The listener that accepted it (what a drain closes).
  var listener: ObjectIdentifier?
  /// The dial attempt in progress or made.
  var attempt = 0
  /// Subject to the idle timeout (set once the endpoint answered).
  var watchesIdleness = false
  /// Bytes moved either way since the last idle sweep.
  var sawTraffic = false
  /// When the connection was last seen moving bytes (or connected), in loop-clock nanoseconds.
  var quietSince: UInt64 = 0

  var hasPending: Bool { pendingOffset < pending.count }

  /// Forgets everything but bumps the generation.
  mutating func release() {
    self = RelaySlot(generation: generation &+ 1)
  }

  init(generation: UInt32 = 0) { self.generation = generation }

  /// Starts the idle clock of a client at `now` (no traffic seen yet).
  mutating func watchIdleness(now: UInt64) {
    watchesIdleness = true
    sawTraffic = false
    quietSince = now
  }

  /// One idle sweep at `now`: a watched connection that moved bytes since the previous sweep is
  /// quiet from `now` on; true for one quiet for `timeout` or longer (to be closed). A connection is
  /// never closed before `timeout` after its last traffic, and at most one sweep period after.
  mutating func sweep(now: UInt64, timeout: UInt64) -> Bool {
    guard watchesIdleness else { return false }
    if sawTraffic {
      sawTraffic = false
      quietSince = now
      return false
    }
    return now - quietSince >= timeout
  }
}

/// What ending one direction of a proxied connection calls for.
enum EndOfStream: Equatable {
  /// Nothing yet: the source has not reached EOF, its bytes are not all out, or its FIN was passed on.
  case wait
  /// Shut the target's output (pass the FIN on); the other direction is still open.
  case shutTarget
  /// Shut the target's output, and close the pair: the other direction had ended already.
  case shutTargetAndClose

  /// The step after `source` (read from) and `target` (written to, its partner) changed.
  static func step(source: RelaySlot, target: RelaySlot) -> EndOfStream {
    guard source.readEOF, !target.hasPending, !target.outputShut else { return .wait }
    return target.readEOF && source.outputShut ? .shutTargetAndClose : .shutTarget
  }
}

/// Deadlines that are pushed in non-decreasing order (one fixed timeout per queue), so the
/// earliest is always at the head. Entries are not removed when they stop mattering; whoever pops
/// them checks that the fd's slot still has the generation and state the entry was made for.
struct DeadlineQueue {
  struct Entry {
    var deadline: UInt64
    var fd: Int32
    var generation: UInt32
  }
  private var entries: [Entry] = []
  private var head = 0

  var isEmpty: Bool { head == entries.count }
  var first: Entry? { head < entries.count ? entries[head] : nil }

  mutating func push(_ entry: Entry) { entries.append(entry) }

  mutating func popFirst() -> Entry? {
    guard head < entries.count else { return nil }
    let entry = entries[head]
    head += 1
    if head == entries.count {
      entries.removeAll(keepingCapacity: true)
      head = 0
    } else if head >= 4096 && head * 2 >= entries.count {
      entries.removeFirst(head)
      head = 0
    }
    return entry
  }
}

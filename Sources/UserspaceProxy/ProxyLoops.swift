// The proxy's NIO event loops (UDP listeners and their flows), each with state only it touches:
// its flow channels, for drains, so that the datagram path takes no lock.
import NIOCore
import NIOPosix

/// One event loop and what belongs to it. Its mutable state is used only on `eventLoop`.
final class ProxyLoop: @unchecked Sendable {
  /// Position in `ProxyLoops.all` (the index of per-loop counter shards).
  let index: Int
  let eventLoop: EventLoop
  /// Confined to `eventLoop`.
  var connections = ConnectionRegistry()

  init(index: Int, eventLoop: EventLoop) {
    self.index = index
    self.eventLoop = eventLoop
  }

  /// Runs `body` on this loop; `ifGone` once the loop has shut down (and nothing runs on it).
  func run<T: Sendable>(_ body: @escaping @Sendable () -> T, ifGone: @autoclosure () -> T) async -> T {
    if let value = try? await eventLoop.submit(body).get() { return value }
    return ifGone()
  }
}

/// Every event loop of the proxy's group, found by the loop a channel is on.
final class ProxyLoops: Sendable {
  let all: [ProxyLoop]
  private let byLoop: [ObjectIdentifier: ProxyLoop]

  init(group: MultiThreadedEventLoopGroup) {
    var all: [ProxyLoop] = []
    for eventLoop in group.makeIterator() {
      all.append(ProxyLoop(index: all.count, eventLoop: eventLoop))
    }
    self.all = all
    self.byLoop = Dictionary(uniqueKeysWithValues: all.map { (ObjectIdentifier($0.eventLoop), $0) })
  }

  /// The state of `eventLoop`, one of this group's loops.
  func loop(for eventLoop: EventLoop) -> ProxyLoop {
    guard let loop = byLoop[ObjectIdentifier(eventLoop)] else {
      preconditionFailure("\(eventLoop) is not one of the proxy's event loops")
    }
    return loop
  }

  /// Open connections of `listener` on every loop.
  func openConnections(of listener: ObjectIdentifier) async -> Int {
    var total = 0
    for loop in all { total += await loop.run({ loop.connections.count(of: listener) }, ifGone: 0) }
    return total
  }

  /// Closes every connection of `listener`; returns how many it closed.
  func closeConnections(of listener: ObjectIdentifier) async -> Int {
    var total = 0
    for loop in all {
      total += await loop.run(
        {
          let channels = loop.connections.channels(of: listener)
          for channel in channels { channel.close(promise: nil) }
          return channels.count
        }, ifGone: 0)
    }
    return total
  }
}

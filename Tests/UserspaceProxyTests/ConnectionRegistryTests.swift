// ConnectionRegistry on EmbeddedChannels: O(1) add/remove keeps every other connection findable,
// the idle sweep closes only connections quiet for the timeout, and the sweep period's bounds.
import NIOCore
import NIOEmbedded
import Testing

@testable import UserspaceProxy

private let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

private func at(_ milliseconds: Int64) -> NIODeadline { start + .milliseconds(milliseconds) }

@Suite struct ConnectionRegistryTests {
  @Test func removingSwapsTheLastIntoTheSlotAndEveryOtherStaysTracked() {
    var registry = ConnectionRegistry()
    let listenerA = ObjectIdentifier(EmbeddedChannel())
    let listenerB = ObjectIdentifier(EmbeddedChannel())
    let connections = (0..<5).map { TrackedConnection(channel: EmbeddedChannel(), listener: $0 < 3 ? listenerA : listenerB) }
    for connection in connections { registry.add(connection) }
    registry.remove(connections[1])
    registry.remove(connections[1])  // a second removal does nothing
    registry.remove(connections[4])
    #expect(registry.count == 3)
    #expect(Set(registry.connections.map(ObjectIdentifier.init)) == Set([0, 2, 3].map { ObjectIdentifier(connections[$0]) }))
    for (index, connection) in registry.connections.enumerated() { #expect(connection.slot == index) }
    #expect(registry.count(of: listenerA) == 2)
    #expect(registry.channels(of: listenerB).map(ObjectIdentifier.init) == [ObjectIdentifier(connections[3].channel)])
    registry.remove(connections[0])
    registry.remove(connections[2])
    registry.remove(connections[3])
    #expect(registry.count == 0)
  }

  @Test func theSweepReturnsOnlyConnectionsQuietForTheTimeout() {
    var registry = ConnectionRegistry()
    let timeout = TimeAmount.milliseconds(400)
    let quiet = TrackedConnection(channel: EmbeddedChannel(), listener: ObjectIdentifier(EmbeddedChannel()))
    let busy = TrackedConnection(channel: EmbeddedChannel(), listener: quiet.listener)
    let dialing = TrackedConnection(channel: EmbeddedChannel(), listener: quiet.listener)
    for connection in [quiet, busy, dialing] { registry.add(connection) }
    quiet.watchIdleness(now: at(0))
    busy.watchIdleness(now: at(0))
    var closed: [ObjectIdentifier: Int64] = [:]
    for milliseconds in stride(from: Int64(50), through: 1_000, by: 50) {
      if milliseconds <= 300 { busy.sawTraffic = true }  // traffic until 300 ms
      for connection in registry.sweepIdle(now: at(milliseconds), timeout: timeout) {
        closed[ObjectIdentifier(connection)] = closed[ObjectIdentifier(connection)] ?? milliseconds
      }
    }
    #expect(closed[ObjectIdentifier(quiet)] == 400, "quiet since it was glued at 0")
    #expect(closed[ObjectIdentifier(busy)] == 700, "last traffic seen by the 300 ms sweep")
    #expect(closed[ObjectIdentifier(dialing)] == nil, "not glued yet: not watched")
  }

  @Test func theSweepNeverClosesBeforeTheTimeoutAfterTheLastTraffic() {
    var registry = ConnectionRegistry()
    let timeout = TimeAmount.milliseconds(400)
    let period = ConnectionRegistry.sweepPeriod(for: timeout)
    let connection = TrackedConnection(channel: EmbeddedChannel(), listener: ObjectIdentifier(EmbeddedChannel()))
    registry.add(connection)
    connection.watchIdleness(now: at(0))
    // Traffic just after the 0 ms sweep, then none: closed no earlier than 400 ms after it and
    // no later than one period after that.
    connection.sawTraffic = true
    var now = at(0)
    var closedAt: NIODeadline?
    while closedAt == nil {
      now = now + period
      if !registry.sweepIdle(now: now, timeout: timeout).isEmpty { closedAt = now }
    }
    let after = try! #require(closedAt) - at(1)
    #expect(after >= timeout && after <= timeout + period, "closed \(after) after the last traffic")
  }

  @Test(arguments: [
    (TimeAmount.hours(1), TimeAmount.seconds(60)), (.seconds(8), .seconds(1)), (.milliseconds(400), .milliseconds(50)),
    (.microseconds(100), .milliseconds(1)),
  ])
  func theSweepPeriodIsAnEighthOfTheTimeoutWithinBounds(timeout: TimeAmount, period: TimeAmount) {
    #expect(ConnectionRegistry.sweepPeriod(for: timeout) == period)
  }

  @Test func shardsAreSummedFieldByField() {
    var one = ServicePortCounters()
    one.activeConnections = 2
    one.totalConnections = 5
    one.dialFailures = 1
    one.bytesFromClients = 10
    var two = ServicePortCounters()
    two.activeConnections = 3
    two.totalConnections = 3
    two.rejectedConnections = 4
    two.bytesToClients = 7
    let sum = ServicePortCounterCell.sum([one, two])
    #expect(sum.activeConnections == 5)
    #expect(sum.totalConnections == 8)
    #expect(sum.dialFailures == 1)
    #expect(sum.rejectedConnections == 4)
    #expect(sum.bytesFromClients == 10)
    #expect(sum.bytesToClients == 7)
  }
}

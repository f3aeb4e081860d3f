// The relay's idle sweep on one slot: only connections quiet for the timeout are closed, never
// before the timeout after their last traffic; and the sweep period's bounds.
import Testing

@testable import TCPRelay

private let start: UInt64 = 1_000_000_000
private func at(_ milliseconds: UInt64) -> UInt64 { start + milliseconds * 1_000_000 }
private let ms: UInt64 = 1_000_000

@Suite struct IdleSweepTests {
  @Test func theSweepClosesOnlyConnectionsQuietForTheTimeout() {
    let timeout = 400 * ms
    var quiet = RelaySlot()
    var busy = RelaySlot()
    var dialing = RelaySlot()
    quiet.watchIdleness(now: at(0))
    busy.watchIdleness(now: at(0))
    var closed: [String: UInt64] = [:]
    for milliseconds in stride(from: UInt64(50), through: 1_000, by: 50) {
      if milliseconds <= 300 { busy.sawTraffic = true }  // traffic until 300 ms
      if quiet.sweep(now: at(milliseconds), timeout: timeout) { closed["quiet"] = closed["quiet"] ?? milliseconds }
      if busy.sweep(now: at(milliseconds), timeout: timeout) { closed["busy"] = closed["busy"] ?? milliseconds }
      if dialing.sweep(now: at(milliseconds), timeout: timeout) { closed["dialing"] = closed["dialing"] ?? milliseconds }
    }
    #expect(closed["quiet"] == 400, "quiet since it connected at 0")
    #expect(closed["busy"] == 700, "last traffic seen by the 300 ms sweep")
    #expect(closed["dialing"] == nil, "not connected yet: not watched")
  }

  @Test func theSweepNeverClosesBeforeTheTimeoutAfterTheLastTraffic() {
    let timeout = 400 * ms
    let period = RelaySettings.sweepPeriod(for: timeout)
    var slot = RelaySlot()
    slot.watchIdleness(now: at(0))
    // Traffic just after the 0 ms sweep, then none: closed no earlier than 400 ms after it and
    // no later than one period after that.
    slot.sawTraffic = true
    var now = at(0)
    var closedAt: UInt64?
    while closedAt == nil {
      now += period
      if slot.sweep(now: now, timeout: timeout) { closedAt = now }
    }
    let after = closedAt! - at(1)
    #expect(after >= timeout && after <= timeout + period, "closed \(after) ns after the last traffic")
  }

  private static let periods: [(UInt64, UInt64)] = [
    (3_600_000 * ms, 60_000 * ms), (8_000 * ms, 1_000 * ms), (400 * ms, 50 * ms), (100_000, 1 * ms),
  ]

  @Test(arguments: periods)
  func theSweepPeriodIsAnEighthOfTheTimeoutWithinBounds(timeout: UInt64, period: UInt64) {
    #expect(RelaySettings.sweepPeriod(for: timeout) == period)
  }

  @Test func aReleasedSlotIsEmptyWithTheNextGeneration() {
    var slot = RelaySlot(generation: 7)
    slot.role = .client
    slot.peer = 12
    slot.pending = [1, 2, 3]
    slot.watchIdleness(now: 5)
    slot.release()
    #expect(slot.generation == 8)
    #expect(slot.role == .free && slot.peer == -1 && !slot.hasPending && !slot.watchesIdleness)
  }
}

@Suite struct DeadlineQueueTests {
  @Test func entriesComeOutInTheOrderPushedAndTheQueueCompacts() {
    var queue = DeadlineQueue()
    #expect(queue.isEmpty && queue.first == nil)
    for index in 0..<10_000 { queue.push(.init(deadline: UInt64(index), fd: Int32(index % 100), generation: 1)) }
    var popped: [UInt64] = []
    while let entry = queue.popFirst() {
      popped.append(entry.deadline)
      if entry.deadline == 5_000 { queue.push(.init(deadline: 20_000, fd: 1, generation: 2)) }
    }
    #expect(popped == Array(0..<10_000).map(UInt64.init) + [20_000])
    #expect(queue.isEmpty)
  }
}

// ProxyHealth's state machine, table-driven on a fake clock: kube-proxy's rules (pending changes
// older than the timeout are unhealthy, a sync clears them) and the JSON bodies of /healthz and /livez.
import AgentHTTP
import Foundation
import NetAddress
import Testing

/// A clock the test moves by hand.
final class FakeClock: @unchecked Sendable {
  private let lock = NSLock()
  private var seconds: Double
  init(_ seconds: Double = 1_700_000_000) { self.seconds = seconds }
  var now: Date { lock.withLock { Date(timeIntervalSince1970: seconds) } }
  func advance(_ by: Double) { lock.withLock { seconds += by } }
}

struct ProxyHealthTests {
  enum Step {
    case queued([IPFamily])
    case synced([IPFamily])
    case failed([IPFamily])
    case advance(Double)
  }

  struct Case: CustomTestStringConvertible {
    var name: String
    var steps: [Step]
    var healthy: Bool
    /// Per family: healthy or not; families absent from the report are absent here.
    var families: [IPFamily: Bool]
    var testDescription: String { name }
  }

  static let timeout = 60.0
  static let cases: [Case] = [
    Case(name: "nothing happened yet", steps: [], healthy: true, families: [:]),
    Case(name: "queued, not late yet", steps: [.queued([.v4]), .advance(59.9)], healthy: true, families: [.v4: true]),
    Case(name: "queued and late, never synced", steps: [.queued([.v4]), .advance(60)], healthy: false, families: [.v4: false]),
    Case(
      name: "synced then idle for long", steps: [.queued([.v4, .v6]), .synced([.v4, .v6]), .advance(3600)], healthy: true,
      families: [.v4: true, .v6: true]),
    Case(
      name: "synced, then a change waits too long", steps: [.synced([.v4]), .advance(10), .queued([.v4]), .advance(60)],
      healthy: false, families: [.v4: false]),
    Case(
      name: "the oldest pending change counts, not the newest",
      steps: [.synced([.v4]), .queued([.v4]), .advance(30), .queued([.v4]), .advance(30)], healthy: false, families: [.v4: false]),
    Case(
      name: "a sync clears the pending change", steps: [.queued([.v4]), .advance(59), .synced([.v4]), .advance(59)], healthy: true,
      families: [.v4: true]),
    Case(
      name: "one late family makes the proxy unhealthy", steps: [.synced([.v4, .v6]), .queued([.v6]), .advance(61)], healthy: false,
      families: [.v4: true, .v6: false]),
    Case(
      name: "a failed sync starts the clock", steps: [.synced([.v4]), .failed([.v4]), .advance(60)], healthy: false,
      families: [.v4: false]),
    Case(
      name: "a failed sync within the timeout is still healthy", steps: [.synced([.v4]), .failed([.v4]), .advance(10)], healthy: true,
      families: [.v4: true]),
    Case(
      name: "a failure does not reset an older pending change",
      steps: [.synced([.v4]), .queued([.v4]), .advance(40), .failed([.v4]), .advance(20)], healthy: false, families: [.v4: false]),
  ]

  @Test(arguments: cases)
  func stateMachine(_ c: Case) {
    let clock = FakeClock()
    let health = ProxyHealth(healthTimeout: Self.timeout, clock: { clock.now })
    for step in c.steps {
      switch step {
      case .queued(let families): health.queued(families)
      case .synced(let families): health.synced(families)
      case .failed(let families): health.syncFailed(families)
      case .advance(let seconds): clock.advance(seconds)
      }
    }
    let report = health.report()
    #expect(report.healthy == c.healthy)
    #expect(report.families.mapValues(\.healthy) == c.families)
    #expect(report.currentTime == clock.now)
  }

  @Test func lastUpdatedIsTheNewestSync() {
    let clock = FakeClock()
    let health = ProxyHealth(healthTimeout: 60, clock: { clock.now })
    health.synced([.v4])
    let first = clock.now
    clock.advance(5)
    health.synced([.v6])
    #expect(health.report().lastUpdated == clock.now)
    #expect(health.report().families[.v4]?.lastUpdated == first)
  }

  @Test func nodeEligibility() {
    #expect(ProxyHealth.isEligible(deleting: false, taintKeys: ["node.kubernetes.io/unschedulable"]))
    #expect(!ProxyHealth.isEligible(deleting: true, taintKeys: []))
    #expect(!ProxyHealth.isEligible(deleting: false, taintKeys: ["ToBeDeletedByClusterAutoscaler"]))
  }

  @Test func healthzBodies() {
    let clock = FakeClock(1_700_000_000.25)
    let health = ProxyHealth(healthTimeout: 60, clock: { clock.now })
    let routes = HealthzRoutes(health: health)
    // Nothing synced: healthy, lastUpdated reported as now (kube-proxy's compatibility rule).
    var reply = routes.reply(path: "/healthz")
    #expect(reply.status == .ok)
    #expect(
      reply.body == #"{"lastUpdated":"2023-11-14T22:13:20.25Z","currentTime":"2023-11-14T22:13:20.25Z","nodeEligible":true,"healthy":true}"#
    )
    #expect(reply.headers["Content-Type"] == "application/json")
    #expect(reply.headers["X-Content-Type-Options"] == "nosniff")
    // A late change: 503 with the family's real lastUpdated.
    health.synced([.v4])
    clock.advance(1)
    health.queued([.v4])
    clock.advance(60)
    reply = routes.reply(path: "/livez")
    #expect(reply.status == .serviceUnavailable)
    #expect(
      reply.body
        == #"{"lastUpdated":"2023-11-14T22:13:20.25Z","currentTime":"2023-11-14T22:14:21.25Z","healthy":false,"status":{"IPv4":{"lastUpdated":"2023-11-14T22:13:20.25Z","healthy":false}}}"#
    )
    // /healthz also needs an eligible node; /livez does not look at it.
    health.synced([.v4])
    health.nodeEligible = false
    #expect(routes.reply(path: "/healthz").status == .serviceUnavailable)
    #expect(routes.reply(path: "/healthz").body.contains(#""nodeEligible":false,"healthy":true"#))
    #expect(routes.reply(path: "/livez").status == .ok)
    #expect(routes.reply(path: "/other").status == .notFound)
  }
}

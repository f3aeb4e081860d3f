// The bounded-frequency runner's state machine on a fake clock: immediate sync after a quiet
// period, one per minimum interval in a burst, periodic syncs, retries with backoff.
import Dataplane
import Testing

@Suite struct BoundedFrequencyRunnerTests {
  /// One step: at `t` (seconds after the start), an event; then what the runner says.
  enum Step {
    case change(Double)
    /// A run starts at the first second and ends at the second one.
    case run(Double, Double, succeeded: Bool)
    /// The next run is due at this time, for this cause.
    case expect(Double, SyncCause)
  }

  struct Case: CustomTestStringConvertible, Sendable {
    var name: String
    var steps: [Step]
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "nothing happens: the first periodic run after syncPeriod", steps: [.expect(30, .periodic)]),
    Case(name: "a change after a quiet period runs at once", steps: [.run(0, 0.1, succeeded: true), .change(20), .expect(1, .changes)]),
    Case(
      name: "a burst: at most one run per minSyncPeriod",
      steps: [
        .change(0), .expect(0, .changes), .run(0, 0.05, succeeded: true), .change(0.2), .expect(1, .changes),
        .change(0.5), .expect(1, .changes), .run(1, 1.05, succeeded: true), .change(1.1), .expect(2, .changes),
      ]),
    Case(
      name: "after a run, the periodic one follows syncPeriod after its end",
      steps: [.run(0, 2, succeeded: true), .expect(32, .periodic), .run(32, 33, succeeded: true), .expect(63, .periodic)]),
    Case(
      name: "failures are retried with doubling backoff, capped, and reset by a success",
      steps: [
        .run(0, 0.5, succeeded: false), .expect(1.5, .retry(failures: 1)),
        .run(1.5, 2, succeeded: false), .expect(4, .retry(failures: 2)),
        .run(4, 4, succeeded: false), .expect(8, .retry(failures: 3)),
        .run(8, 8, succeeded: false), .run(16, 16, succeeded: false), .run(32, 32, succeeded: false),
        .expect(62, .retry(failures: 6)),
        .run(62, 62.5, succeeded: true), .expect(92.5, .periodic),
      ]),
    Case(
      name: "a change during backoff waits for the retry (which syncs everything)",
      steps: [.run(0, 0.1, succeeded: false), .change(0.2), .expect(1.1, .retry(failures: 1))]),
  ]

  @Test(arguments: cases)
  func runner(_ c: Case) {
    let origin = ContinuousClock.now
    func at(_ s: Double) -> ContinuousClock.Instant { origin + .milliseconds(Int64((s * 1000).rounded())) }
    var r = BoundedFrequencyRunner(
      minInterval: .seconds(1), maxInterval: .seconds(30), retryBase: .seconds(1), retryMax: .seconds(30), now: origin)
    for (i, step) in c.steps.enumerated() {
      switch step {
      case .change: r.changed()
      case .run(let s, let e, let ok):
        r.started(at: at(s))
        r.finished(at: at(e), succeeded: ok)
      case .expect(let t, let cause):
        let next = r.nextRun()
        #expect(next.at == at(t), "step \(i): due \(next.at - origin), expected \(t) s")
        #expect(next.cause == cause, "step \(i)")
      }
    }
  }

  @Test func pendingChangesAreTakenByTheRunThatStarts() {
    let origin = ContinuousClock.now
    var r = BoundedFrequencyRunner(now: origin)
    r.changed()
    #expect(r.hasPendingChanges)
    r.started(at: origin)
    #expect(!r.hasPendingChanges)
    r.changed()  // arrives during the run: the next run is for it
    r.finished(at: origin + .milliseconds(10), succeeded: true)
    #expect(r.nextRun().cause == .changes)
    #expect(r.nextRun().at == origin + .seconds(1))
  }
}

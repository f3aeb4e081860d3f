// Balancing as pure state, table-driven: round robin order, back-off skipping and doubling,
// ClientIP affinity sticking, expiring and re-picking, endpoint updates, the attempt bound.
import NIOCore
import NetAddress
import Testing

@testable import UserspaceProxy

private func ep(_ last: UInt32) -> ProxyEndpoint { ProxyEndpoint(address: .v4(IPv4Address(0x0a00_0000 + last)), port: 80) }
private func client(_ last: UInt32) -> IPAddress { .v4(IPv4Address(0xc0a8_0000 + last)) }
private let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
private func at(_ ms: Int64) -> NIODeadline { t0 + .milliseconds(ms) }

/// One step against the balancer, and the plan it must give (for `.plan`).
private enum Step {
  case plan(client: UInt32, at: Int64, expect: [UInt32])
  case succeeded(client: UInt32, endpoint: UInt32, at: Int64)
  case failed(endpoint: UInt32, at: Int64)
  case update(endpoints: [UInt32], affinitySeconds: Int64?, at: Int64)
}

private struct BalancerCase: CustomTestStringConvertible, Sendable {
  var name: String
  var endpoints: [UInt32]
  var affinitySeconds: Int64?
  var maxAttempts = 4
  var steps: [Step]
  var testDescription: String { name }
}

extension Step: Sendable {}

private let balancerCases: [BalancerCase] = [
  BalancerCase(
    name: "round robin walks the endpoints in order and wraps", endpoints: [1, 2, 3],
    steps: [
      .plan(client: 1, at: 0, expect: [1, 2, 3]), .plan(client: 1, at: 0, expect: [2, 3, 1]),
      .plan(client: 2, at: 0, expect: [3, 1, 2]), .plan(client: 1, at: 0, expect: [1, 2, 3]),
    ]),
  BalancerCase(name: "no endpoints: empty plan", endpoints: [], steps: [.plan(client: 1, at: 0, expect: [])]),
  BalancerCase(
    name: "plans are bounded by the number of attempts", endpoints: [1, 2, 3, 4, 5, 6], maxAttempts: 4,
    steps: [.plan(client: 1, at: 0, expect: [1, 2, 3, 4]), .plan(client: 1, at: 0, expect: [2, 3, 4, 5])]),
  BalancerCase(
    name: "an endpoint in back-off goes last until the back-off ends", endpoints: [1, 2, 3],
    steps: [
      .failed(endpoint: 1, at: 0), .plan(client: 1, at: 10, expect: [2, 3, 1]),
      .plan(client: 1, at: 20, expect: [3, 2, 1]), .plan(client: 1, at: 30, expect: [2, 3, 1]),
      .plan(client: 1, at: 1000, expect: [3, 1, 2]), .plan(client: 1, at: 1000, expect: [1, 2, 3]),
    ]),
  BalancerCase(
    name: "back-off doubles per consecutive failure and a success resets it", endpoints: [1, 2],
    steps: [
      .failed(endpoint: 1, at: 0), .failed(endpoint: 1, at: 1000),
      .plan(client: 1, at: 2900, expect: [2, 1]), .plan(client: 1, at: 3000, expect: [1, 2]),
      .succeeded(client: 1, endpoint: 1, at: 3000), .failed(endpoint: 1, at: 3000),
      .plan(client: 1, at: 3500, expect: [2, 1]), .plan(client: 1, at: 4000, expect: [1, 2]),
    ]),
  BalancerCase(
    name: "every endpoint in back-off: all are still tried", endpoints: [1, 2],
    steps: [.failed(endpoint: 1, at: 0), .failed(endpoint: 2, at: 0), .plan(client: 1, at: 10, expect: [1, 2])]),
  BalancerCase(
    name: "affinity: a client sticks to its endpoint, others keep rotating", endpoints: [1, 2, 3], affinitySeconds: 10,
    steps: [
      .plan(client: 1, at: 0, expect: [1, 2, 3]), .succeeded(client: 1, endpoint: 1, at: 0),
      .plan(client: 1, at: 5000, expect: [1, 2, 3]), .succeeded(client: 1, endpoint: 1, at: 5000),
      .plan(client: 2, at: 5000, expect: [2, 3, 1]), .succeeded(client: 2, endpoint: 2, at: 5000),
      .plan(client: 1, at: 14_000, expect: [1, 3, 2]), .plan(client: 2, at: 14_000, expect: [2, 3, 1]),
    ]),
  BalancerCase(
    name: "affinity expires the timeout after the last use", endpoints: [1, 2, 3], affinitySeconds: 10,
    steps: [
      .plan(client: 1, at: 0, expect: [1, 2, 3]), .succeeded(client: 1, endpoint: 1, at: 0),
      .plan(client: 1, at: 10_000, expect: [2, 3, 1]),
    ]),
  BalancerCase(
    name: "affinity endpoint removed: the client is re-picked by round robin", endpoints: [1, 2, 3], affinitySeconds: 10,
    steps: [
      .plan(client: 1, at: 0, expect: [1, 2, 3]), .succeeded(client: 1, endpoint: 1, at: 0),
      .update(endpoints: [2, 3], affinitySeconds: 10, at: 100), .plan(client: 1, at: 200, expect: [3, 2]),
      .succeeded(client: 1, endpoint: 3, at: 200), .update(endpoints: [1, 2, 3], affinitySeconds: 10, at: 300),
      .plan(client: 1, at: 400, expect: [3, 1, 2]),
    ]),
  BalancerCase(
    name: "affinity endpoint in back-off: round robin instead", endpoints: [1, 2, 3], affinitySeconds: 10,
    steps: [
      .plan(client: 1, at: 0, expect: [1, 2, 3]), .succeeded(client: 1, endpoint: 1, at: 0),
      .failed(endpoint: 1, at: 100), .plan(client: 1, at: 200, expect: [2, 3, 1]),
    ]),
  BalancerCase(
    name: "turning affinity off forgets the bindings", endpoints: [1, 2], affinitySeconds: 10,
    steps: [
      .plan(client: 1, at: 0, expect: [1, 2]), .succeeded(client: 1, endpoint: 1, at: 0),
      .update(endpoints: [1, 2], affinitySeconds: nil, at: 10), .plan(client: 1, at: 20, expect: [2, 1]),
    ]),
  BalancerCase(
    name: "an update keeps the cursor within the new endpoint list", endpoints: [1, 2, 3],
    steps: [
      .plan(client: 1, at: 0, expect: [1, 2, 3]), .plan(client: 1, at: 0, expect: [2, 3, 1]),
      .update(endpoints: [4, 5], affinitySeconds: nil, at: 0), .plan(client: 1, at: 0, expect: [4, 5]),
      .update(endpoints: [], affinitySeconds: nil, at: 0), .plan(client: 1, at: 0, expect: []),
    ]),
]

@Suite struct EndpointBalancerStateMachineTests {
  @Test(arguments: balancerCases)
  fileprivate func balancerSteps(_ testCase: BalancerCase) {
    var machine = EndpointBalancerStateMachine(
      endpoints: testCase.endpoints.map(ep), affinityTimeout: testCase.affinitySeconds.map { .seconds($0) },
      backoff: EndpointBackoff(initial: .seconds(1), maximum: .seconds(8)), maxAttempts: testCase.maxAttempts)
    for (index, step) in testCase.steps.enumerated() {
      switch step {
      case .plan(let c, let ms, let expect):
        #expect(machine.dialPlan(client: client(c), now: at(ms)) == expect.map(ep), "step \(index)")
      case .succeeded(let c, let e, let ms): machine.dialSucceeded(client: client(c), endpoint: ep(e), now: at(ms))
      case .failed(let e, let ms): machine.dialFailed(endpoint: ep(e), now: at(ms))
      case .update(let endpoints, let seconds, let ms):
        machine.update(endpoints: endpoints.map(ep), affinityTimeout: seconds.map { .seconds($0) }, now: at(ms))
      }
    }
  }

  @Test(arguments: [(1, 1000), (2, 2000), (3, 4000), (4, 8000), (5, 8000), (40, 8000)])
  func backoffDoublesUpToTheCap(failures: Int, expectedMilliseconds: Int64) {
    var backoff = EndpointBackoff(initial: .seconds(1), maximum: .seconds(8))
    for _ in 0..<failures { backoff.recordFailure(ep(1), now: t0) }
    #expect(backoff.isBackingOff(ep(1), now: at(expectedMilliseconds - 1)))
    #expect(!backoff.isBackingOff(ep(1), now: at(expectedMilliseconds)))
    #expect(!backoff.isBackingOff(ep(2), now: t0))
  }
}

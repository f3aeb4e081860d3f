// The UDP flow table as pure state, table-driven: lookups mark flows used, replies keep them alive,
// idle flows expire after the timeout, replacement and removal.
import NIOCore
import Testing

@testable import UserspaceProxy

private let t0 = NIODeadline.uptimeNanoseconds(1_000_000_000_000)
private func at(_ ms: Int64) -> NIODeadline { t0 + .milliseconds(ms) }

private enum FlowStep: Sendable {
  case insert(client: String, flow: Int, at: Int64)
  case use(client: String, at: Int64, expect: Int?)
  case touch(client: String, at: Int64)
  case expire(at: Int64, expect: [Int])
  case remove(client: String, expect: Int?)
}

private struct FlowCase: CustomTestStringConvertible, Sendable {
  var name: String
  var steps: [FlowStep]
  var testDescription: String { name }
}

private let flowCases: [FlowCase] = [
  FlowCase(
    name: "a flow is found until it is idle for the timeout",
    steps: [
      .insert(client: "a", flow: 1, at: 0), .use(client: "a", at: 249, expect: 1), .use(client: "a", at: 498, expect: 1),
      .use(client: "a", at: 748, expect: nil), .use(client: "b", at: 0, expect: nil),
    ]),
  FlowCase(
    name: "expiry removes only idle flows",
    steps: [
      .insert(client: "a", flow: 1, at: 0), .insert(client: "b", flow: 2, at: 100), .expire(at: 249, expect: []),
      .expire(at: 250, expect: [1]), .use(client: "b", at: 300, expect: 2), .expire(at: 500, expect: []),
      .expire(at: 550, expect: [2]),
    ]),
  FlowCase(
    name: "replies keep a flow alive",
    steps: [
      .insert(client: "a", flow: 1, at: 0), .touch(client: "a", at: 200), .touch(client: "a", at: 400),
      .expire(at: 600, expect: []), .use(client: "a", at: 640, expect: 1),
    ]),
  FlowCase(
    name: "a client's new flow replaces its old one; removal forgets it",
    steps: [
      .insert(client: "a", flow: 1, at: 0), .insert(client: "a", flow: 2, at: 10), .use(client: "a", at: 20, expect: 2),
      .remove(client: "a", expect: 2), .use(client: "a", at: 30, expect: nil), .remove(client: "a", expect: nil),
    ]),
]

@Suite struct UDPFlowTableTests {
  @Test(arguments: flowCases)
  fileprivate func flowSteps(_ testCase: FlowCase) {
    var table = UDPFlowTable<String, Int>(timeout: .milliseconds(250))
    for (index, step) in testCase.steps.enumerated() {
      switch step {
      case .insert(let client, let flow, let ms): table.insert(flow, for: client, now: at(ms))
      case .use(let client, let ms, let expect): #expect(table.use(client, now: at(ms)) == expect, "step \(index)")
      case .touch(let client, let ms): table.touch(client, now: at(ms))
      case .expire(let ms, let expect): #expect(table.expire(now: at(ms)).sorted() == expect, "step \(index)")
      case .remove(let client, let expect): #expect(table.remove(client) == expect, "step \(index)")
      }
    }
  }
}

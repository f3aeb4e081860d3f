// When the relay passes a FIN on and when it closes a pair, over the combinations of the two
// slots' flags that matter.
import Testing

@testable import TCPRelay

@Suite struct EndOfStreamTests {
  struct Case: Sendable, CustomTestStringConvertible {
    var name: String
    var sourceEOF = false
    var sourceOutputShut = false
    var targetEOF = false
    var targetPending = false
    var targetOutputShut = false
    var expected: EndOfStream
    var testDescription: String { name }
  }

  static let cases: [Case] = [
    Case(name: "no EOF yet", expected: .wait),
    Case(name: "EOF, bytes still waiting for the target", sourceEOF: true, targetPending: true, expected: .wait),
    Case(name: "EOF, everything out", sourceEOF: true, expected: .shutTarget),
    Case(name: "FIN already passed on", sourceEOF: true, targetOutputShut: true, expected: .wait),
    Case(
      name: "the other way ended before", sourceEOF: true, sourceOutputShut: true, targetEOF: true,
      expected: .shutTargetAndClose),
    Case(name: "the target read EOF, its own FIN not passed on yet", sourceEOF: true, targetEOF: true, expected: .shutTarget),
    Case(
      name: "the other way ended, bytes still waiting", sourceEOF: true, sourceOutputShut: true, targetEOF: true,
      targetPending: true, expected: .wait),
  ]

  @Test(arguments: cases)
  func step(_ test: Case) {
    var source = RelaySlot()
    source.readEOF = test.sourceEOF
    source.outputShut = test.sourceOutputShut
    var target = RelaySlot()
    target.readEOF = test.targetEOF
    target.outputShut = test.targetOutputShut
    if test.targetPending { target.pending = [1] }
    #expect(EndOfStream.step(source: source, target: target) == test.expected)
  }
}

// Golden tests: every fixture's compiled script equals its reviewed expected.nft. Re-record
// on purpose only, with RECORD_GOLDEN=1, and review the diff by reading it.
import Foundation
import KernelTestSupport
import Testing

@Suite struct GoldenTests {
  @Test func everyScenarioHasAGoldenFile() {
    #expect(Fixtures.scenarios.count >= 14, "fixtures found: \(Fixtures.scenarios)")
    for s in Fixtures.scenarios {
      #expect(FileManager.default.fileExists(atPath: Fixtures.expectedURL(s).path), "\(s) has no expected.nft")
      #expect(FileManager.default.fileExists(atPath: Fixtures.root.appendingPathComponent("\(s)/README.md").path), "\(s) has no README.md")
    }
  }

  @Test(arguments: Fixtures.scenarios)
  func compiledScriptMatchesGolden(scenario: String) throws {
    let actual = try Fixtures.compile(scenario).ruleset.renderScript()
    let url = Fixtures.expectedURL(scenario)
    if ProcessInfo.processInfo.environment["RECORD_GOLDEN"] == "1" {
      try actual.write(to: url, atomically: true, encoding: .utf8)
      return
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(expected == actual, "\(scenario): compiled script differs from expected.nft\n\(firstDifferences(expected, actual))")
  }

  @Test(arguments: Fixtures.scenarios)
  func compilationIsDeterministic(scenario: String) throws {
    let a = try Fixtures.compile(scenario).ruleset.renderScript()
    let b = try Fixtures.compile(scenario).ruleset.renderScript()
    #expect(a == b)
  }
}

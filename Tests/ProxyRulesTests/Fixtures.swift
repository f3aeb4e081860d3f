// The fixture scenarios as this test target names them (KernelTestSupport does the work).
import KernelTestSupport

typealias Fixtures = FixtureScenarios

extension FixtureScenarios {
  static var scenarios: [String] { names }
}

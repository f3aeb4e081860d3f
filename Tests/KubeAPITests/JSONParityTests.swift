// The JSON fast path decodes what Yams decodes: every fixture manifest and configuration (every
// kind KubeAPI reads) and the happy-path documents give equal objects as YAML, as JSON in two
// styles and as one JSON List; every bad-input case JSON can spell fails with the same line.
import Foundation
import Testing

@testable import KubeAPI

@Suite struct JSONParityTests {
  static let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

  /// Fixture files relative to `fixtures/`: `scenario/manifests/file` for every scenario.
  static var manifestFiles: [String] {
    let scenarios = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
    return scenarios.sorted().flatMap { scenario in
      let files =
        (try? FileManager.default.contentsOfDirectory(atPath: fixtures.appendingPathComponent("\(scenario)/manifests").path)) ?? []
      return files.sorted().map { "\(scenario)/manifests/\($0)" }
    }
  }

  static var configFiles: [String] {
    let scenarios = (try? FileManager.default.contentsOfDirectory(atPath: fixtures.path)) ?? []
    return scenarios.sorted().map { "\($0)/config.yaml" }.filter {
      FileManager.default.fileExists(atPath: fixtures.appendingPathComponent($0).path)
    }
  }

  static func read(_ file: String) throws -> String {
    try String(contentsOf: fixtures.appendingPathComponent(file), encoding: .utf8)
  }

  static func decode(_ text: String) -> Result<DecodedManifest, ManifestError> {
    do { return .success(try ManifestDecoder.decodeObjects(text, file: "t.yaml")) } catch { return .failure(error) }
  }

  /// True when every document of `json` but the empty ones takes the fast path (no Yams fallback).
  static func takesFastPath(_ json: String) -> Bool {
    ManifestDocuments.split(json).allSatisfy { document in
      let bytes = Array(document.text.utf8)
      if document.text.trimmingCharacters(in: .whitespacesAndNewlines) == "---" { return true }
      return DocumentContext.jsonStart(bytes).flatMap { JSONParser.parse(bytes, from: $0) } != nil
    }
  }

  /// Decodes `yaml` and its JSON spellings (and, unless it holds Lists, its objects as one List) and expects equal results.
  static func expectParity(_ yaml: String, asList: Bool = true) throws {
    let expected = try decode(yaml).get()
    #expect(!expected.objects.isEmpty)
    for style in [YAMLToJSON.Style.compact, .pretty] {
      let json = try #require(YAMLToJSON.convert(yaml, style: style))
      #expect(takesFastPath(json))
      #expect(decode(json) == .success(expected))
    }
    guard asList else { return }
    let list = try #require(YAMLToJSON.list(yaml))
    #expect(takesFastPath(list))
    let fromList = try decode(list).get()
    #expect(fromList.objects.map(\.object) == expected.objects.map(\.object))
    #expect(fromList.ignoredCount == expected.ignoredCount)
  }

  @Test(arguments: manifestFiles) func fixtureManifest(_ file: String) throws {
    try Self.expectParity(try Self.read(file))
  }

  @Test func fixturesCoverEveryKind() throws {
    var kinds = Set<String>()
    for file in Self.manifestFiles {
      for decoded in try Self.decode(try Self.read(file)).get().objects { kinds.insert(decoded.object.kind) }
    }
    #expect(kinds == ["Service", "EndpointSlice", "Pod", "Node", "ServiceCIDR"])
  }

  @Test(arguments: configFiles) func fixtureConfiguration(_ file: String) throws {
    let yaml = try Self.read(file)
    let expected = try KubeProxyConfiguration.decode(yaml, file: file)
    for style in [YAMLToJSON.Style.compact, .pretty] {
      let json = try #require(YAMLToJSON.convert(yaml, style: style))
      #expect(Self.takesFastPath(json))
      #expect(try KubeProxyConfiguration.decode(json, file: file) == expected)
    }
  }

  @Test func happyPathDocuments() throws {
    try Self.expectParity(HappyPathTests.multiDocument)
    try Self.expectParity(HappyPathTests.serviceListJSON, asList: false)
  }

  @Test func badInputFailsWithTheSameLine() throws {
    var compared = 0
    for testCase in BadInputTests.cases {
      // Messages that explain a YAML 1.1 reading (plain `on` is a boolean) have no JSON spelling.
      if testCase.expected.contains("YAML 1.1 (as kubectl reads it)") { continue }
      guard let json = YAMLToJSON.convert(testCase.text, style: .pretty), Self.takesFastPath(json) else { continue }
      guard case .failure(let error) = Self.decode(json) else {
        Issue.record("\(testCase.name): decoded from JSON")
        continue
      }
      #expect(error.description == testCase.expected, "\(testCase.name)")
      compared += 1
    }
    #expect(compared > BadInputTests.cases.count * 3 / 4)
  }
}

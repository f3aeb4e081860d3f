// Compiles a fixture folder (config.yaml + manifests/) through the whole pipeline, exactly
// as `kproxy compile --config F/config.yaml --manifests F/manifests` does.
import Foundation
import KubeAPI
import KubeSource
import NFTables
import ProxyRules
import ServiceProxy

enum Fixtures {
  /// The repository's `fixtures/` folder.
  static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

  /// Scenario folders: those with a `manifests/` folder and an `expected.nft`.
  static var scenarios: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return names.filter {
      FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/manifests").path)
    }.sorted()
  }

  static func compile(_ scenario: String) throws -> CompiledRuleset {
    let dir = root.appendingPathComponent(scenario)
    let configURL = dir.appendingPathComponent("config.yaml")
    var config: KubeProxyConfiguration?
    if FileManager.default.fileExists(atPath: configURL.path) {
      config = try KubeProxyConfiguration.decode(String(contentsOf: configURL, encoding: .utf8), file: configURL.path)
    }
    let objects = try ManifestLoader().load(paths: [dir.appendingPathComponent("manifests").path])
    let node = NodeSettings().resolve(config: config, objects: objects, systemHostname: "unused")
    return RulesetCompiler.compile(Reconciler.reconcile(objects, node: node), node: node)
  }

  static func expectedURL(_ scenario: String) -> URL { root.appendingPathComponent("\(scenario)/expected.nft") }
}

/// A line diff for golden-file failures: the first differing lines with context.
func lineDiff(expected: String, actual: String) -> String {
  let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
  let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
  var out: [String] = []
  var i = 0
  while i < max(e.count, a.count) && out.count < 40 {
    let el = i < e.count ? String(e[i]) : "<end>"
    let al = i < a.count ? String(a[i]) : "<end>"
    if el != al {
      out.append("line \(i + 1):\n  - \(el)\n  + \(al)")
    }
    i += 1
  }
  return out.joined(separator: "\n")
}

// The fixture scenarios (fixtures/<name>/ with manifests/ and config.yaml) and their in-process
// compilation, exactly as `kproxy compile --config F/config.yaml --manifests F/manifests`.
import Foundation
import KubeAPI
import KubeSource
import ProxyRules
import ServiceProxy

public enum FixtureScenarios {
  /// The repository's `fixtures/` folder.
  public static let root: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("fixtures")

  /// Scenario folders: those with a `manifests/` folder.
  public static var names: [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
    return names.filter {
      FileManager.default.fileExists(atPath: root.appendingPathComponent("\($0)/manifests").path)
    }.sorted()
  }

  /// The scenario compiled; with `counters`, as `kproxy compile --counters` would.
  public static func compile(_ scenario: String, counters: Bool = false) throws -> CompiledRuleset {
    var (state, node) = try reconcile(scenario)
    node.counters = counters
    return RulesetCompiler.compile(state, node: node)
  }

  /// The scenario's reconciled state and the node it was reconciled for.
  public static func reconcile(_ scenario: String) throws -> (ProxyState, NodeConfig) {
    let dir = root.appendingPathComponent(scenario)
    let configURL = dir.appendingPathComponent("config.yaml")
    var config: KubeProxyConfiguration?
    if FileManager.default.fileExists(atPath: configURL.path) {
      config = try KubeProxyConfiguration.decode(String(contentsOf: configURL, encoding: .utf8), file: configURL.path)
    }
    let objects = try ManifestLoader().load(paths: [dir.appendingPathComponent("manifests").path])
    let node = NodeSettings().resolve(config: config, objects: objects, systemHostname: "unused")
    return (Reconciler.reconcile(objects, node: node), node)
  }

  /// Pairs (from, to) for incremental tests: each scenario to the next (services added and
  /// removed, endpoints scaled, affinity, ports, policies and families changed) and back and
  /// forth between the demo and session affinity.
  public static var transitions: [(String, String)] {
    let s = names
    var pairs: [(String, String)] = []
    for i in s.indices { pairs.append((s[i], s[(i + 1) % s.count])) }
    pairs.append(("demo", "session-affinity"))
    pairs.append(("session-affinity", "demo"))
    return pairs
  }

  public static func expectedURL(_ scenario: String) -> URL { root.appendingPathComponent("\(scenario)/expected.nft") }
}

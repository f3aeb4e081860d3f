// Test support for the netlink backend: fixtures and scratch namespaces from KernelTestSupport,
// and what the parity tests compare: the register-level listing (`nft --debug=netlink`) and
// set declarations.
import Foundation
import KernelTestSupport
import KubeAPI
import KubeSource
import NFTables
import ProxyRules
import ServiceProxy
import Testing

@testable import NFTNetlink

/// The fixture scenarios, compiled in-process (KernelTestSupport does the work).
enum FixtureSet {
  static var scenarios: [String] { FixtureScenarios.names }
  static func ruleset(_ scenario: String) throws -> Ruleset { try FixtureScenarios.compile(scenario).ruleset }
}

/// The scratch namespaces of KernelTestSupport, as these tests name them.
typealias TestNamespace = ScratchNamespace

extension ScratchNamespace {
  var namespace: NetworkNamespace { NetworkNamespace(name) }
}

extension TestNamespace {
  /// `nft --debug=netlink list ruleset`: every rule's kernel expressions and every element's
  /// bytes, with rule handles dropped and elements sorted (hash sets dump in random order).
  func registerListing() throws -> String {
    let raw = try nft(["--debug=netlink", "list", "ruleset"])
    var out: [String] = []
    var elements: [String] = []
    func flushElements() {
      out += elements.sorted()
      elements = []
    }
    for line in raw.split(separator: "\n", omittingEmptySubsequences: false) {
      if line.hasPrefix("\telement ") {
        elements.append(String(line))
        continue
      }
      flushElements()
      if line.hasPrefix("table ") { break }  // the text listing follows the debug output
      var l = String(line)
      if !l.hasPrefix(" "), !l.hasPrefix("\t"), let sp = l.lastIndex(of: " "), l[l.index(after: sp)...].allSatisfy(\.isNumber) {
        l = String(l[..<sp])
      }
      out.append(l)
    }
    flushElements()
    return out.joined(separator: "\n")
  }
}

/// Every attribute of every set declaration of `ruleset`'s tables that differs between two
/// namespaces, as messages.
func setDeclarationDifferences(_ ruleset: Ruleset, mine: NetlinkClient, reference: NetlinkClient) throws -> [String] {
  var out: [String] = []
  for t in ruleset.tables {
    let m = try mine.setDeclarations(table: t.ref)
    let r = try reference.setDeclarations(table: t.ref)
    if m.count != t.sets.count { out.append("\(t.ref): \(m.count) sets, the model has \(t.sets.count)") }
    for name in Set(m.keys).union(r.keys).sorted() {
      let ma = m[name] ?? [:]
      let ra = r[name] ?? [:]
      for attr in Set(ma.keys).union(ra.keys).sorted() where ma[attr] != ra[attr] {
        out.append(
          "\(t.ref) set \(name) \(attr): netlink \(ma[attr].map { "\($0)" } ?? "absent"), nft \(ra[attr].map { "\($0)" } ?? "absent")")
      }
    }
  }
  return out
}

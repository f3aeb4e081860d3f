// Every fixture's script loads into a real kernel (`nft -f` in a fresh namespace, not just
// --check), and every incremental diff between fixtures yields exactly the target ruleset.
import Foundation
import NFTables
import Testing

@Suite struct KernelLoadTests {
  @Test(arguments: Fixtures.scenarios)
  func fixtureLoads(scenario: String) throws {
    guard let ns = try ScratchNamespace.make(scenario) else { return }
    let script = try Fixtures.compile(scenario).ruleset.renderScript()
    try ns.load(script)
    let listed = try ns.listRuleset()
    #expect(listed.contains("table ip kproxy"))
    #expect(listed.contains("table ip6 kproxy"))
    // Loading again replaces the tables atomically instead of failing or duplicating.
    try ns.load(script)
    #expect(try ns.listRuleset() == listed)
  }

  /// Pairs (from, to) that exercise scale-up/down, added/removed services, affinity and
  /// port changes, traffic policy and family changes.
  static let transitions: [(String, String)] = {
    let s = Fixtures.scenarios
    var pairs: [(String, String)] = []
    for i in s.indices { pairs.append((s[i], s[(i + 1) % s.count])) }
    pairs.append(("demo", "session-affinity"))
    pairs.append(("session-affinity", "demo"))
    return pairs
  }()

  @Test(arguments: transitions)
  func incrementalDiffReachesTarget(from: String, to: String) throws {
    guard let incremental = try ScratchNamespace.make("inc"), let fresh = try ScratchNamespace.make("fresh") else { return }
    let old = try Fixtures.compile(from).ruleset
    let new = try Fixtures.compile(to).ruleset
    try incremental.load(old.renderScript())
    let tx = old.diff(to: new)
    #expect(tx.error == nil)
    try incremental.load(tx.renderScript())
    try fresh.load(new.renderScript())
    let got = normalizedListing(try incremental.listRuleset())
    let want = normalizedListing(try fresh.listRuleset())
    #expect(got == want, "\(from) -> \(to):\n\(lineDiff(expected: want, actual: got))")
  }
}

/// `nft list ruleset` with each table's sets, maps and chains sorted by their header line:
/// the kernel lists objects in creation order, which differs between a fresh load and an
/// incremental one; contents (rules in order, elements sorted by nft) are compared as is.
func normalizedListing(_ listing: String) -> String {
  var out: [String] = []
  var blocks: [String] = []
  var current: [Substring] = []
  func flushBlock() {
    if !current.isEmpty { blocks.append(current.joined(separator: "\n")) }
    current = []
  }
  for line in listing.split(separator: "\n", omittingEmptySubsequences: false) {
    if line.hasPrefix("table ") {
      out.append(String(line))
    } else if line == "}" {
      flushBlock()
      out += blocks.sorted()
      blocks = []
      out.append("}")
    } else if line.isEmpty {
      flushBlock()
    } else if line.hasPrefix("\tset ") || line.hasPrefix("\tmap ") || line.hasPrefix("\tchain ") {
      flushBlock()
      current.append(line)
    } else {
      current.append(line)
    }
  }
  return out.joined(separator: "\n")
}

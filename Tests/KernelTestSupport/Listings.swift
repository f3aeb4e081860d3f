// Comparing rulesets as text: a line diff for failure messages, and `nft list ruleset` with
// each table's objects in a canonical order.

/// The first differing lines of two texts, for a failure message.
public func firstDifferences(_ expected: String, _ actual: String) -> String {
  let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
  let a = actual.split(separator: "\n", omittingEmptySubsequences: false)
  var out: [String] = []
  for i in 0..<max(e.count, a.count) where out.count < 20 {
    let el = i < e.count ? String(e[i]) : "<end>"
    let al = i < a.count ? String(a[i]) : "<end>"
    if el != al { out.append("line \(i + 1):\n  - \(el)\n  + \(al)") }
  }
  return out.joined(separator: "\n")
}

/// `nft list ruleset` with each table's sets, maps and chains sorted by header line: the
/// kernel lists objects in creation order, which differs between a fresh load and an
/// incremental one; contents (rules in order, elements sorted by nft) are compared as they are.
public func sortedBlocks(_ listing: String) -> String {
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

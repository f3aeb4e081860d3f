// Two rulesets compared as the kernel holds them: tables as named objects (creation order and
// element order do not matter, rule order does), the elements of dynamic sets left out (they
// are the kernel's learned state), with the differing objects listed for reports.

/// A ruleset reduced to what makes two rulesets the same in the kernel.
public struct CanonicalRuleset: Sendable, Equatable, CustomStringConvertible {
  /// Per table: object name (`chain NAME`, `set NAME`, `counter NAME`, `comment`) → its text.
  public private(set) var tables: [TableRef: [String: String]]

  public init(_ r: Ruleset) {
    var out: [TableRef: [String: String]] = [:]
    for t in r.tables {
      var objects: [String: String] = ["comment": t.comment ?? ""]
      for c in t.chains { objects["chain " + c.name] = "\(c)" }
      // A counter's values are the kernel's running state, like a dynamic set's elements.
      for c in t.counters { objects["counter " + c.name] = c.comment ?? "" }
      for s in t.sets {
        let elements = s.flags.contains(.dynamic) ? [] : s.elements.map { "\($0)" }.sorted()
        objects["set " + s.name] = "\(s.header) \(elements)"
      }
      out[t.ref] = objects
    }
    tables = out
  }

  public var description: String { tables.keys.sorted().map { "\($0): \(tables[$0]!.count) objects" }.joined(separator: ", ") }

  /// The objects that differ (`TABLE OBJECT: this vs other`), sorted; empty when equal.
  public func difference(_ other: CanonicalRuleset) -> [String] {
    var out: [String] = []
    for ref in Set(tables.keys).union(other.tables.keys) {
      let a = tables[ref] ?? [:]
      let b = other.tables[ref] ?? [:]
      for k in Set(a.keys).union(b.keys) where a[k] != b[k] { out.append("\(ref) \(k): \(a[k] ?? "-") vs \(b[k] ?? "-")") }
    }
    return out.sorted()
  }
}

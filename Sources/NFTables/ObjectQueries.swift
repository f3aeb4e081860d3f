// Small queries over ruleset objects that several modules need: which sets a chain's rules
// use, and an element's nft text (a stable sort key).

extension Chain {
  /// Names of the sets and maps this chain's rules refer to (lookups, verdict maps, updates,
  /// DNAT maps).
  public var referencedSets: Set<String> {
    var out = Set<String>()
    for r in rules {
      for e in r.exprs {
        if let s = e.referencedSet { out.insert(s) }
      }
    }
    return out
  }
}

extension Element {
  /// The element as nft spells it inside a set of `keyType` (`10.0.0.1 . tcp . 80 : goto c`).
  public func text(keyType: [DataType]) -> String {
    var b = TextBuffer(capacity: 64)
    b.append(element: self, keyType: keyType)
    return b.string
  }
}

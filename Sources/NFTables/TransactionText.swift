// The `nft -f` text of a transaction: one command per line (element lists one per line).

extension TextBuffer {
  mutating func append(tableRef t: TableRef) {
    append(t.family.rawValue)
    append(byte: 32)
    append(t.name)
  }

  mutating func append(command: Command) {
    switch command {
    case .addTable(let t, let comment):
      append("add table ")
      append(tableRef: t)
      if let comment {
        append(" { comment \"")
        append(comment)
        append("\"; }")
      }
    case .deleteTable(let t):
      append("delete table ")
      append(tableRef: t)
    case .addChain(let t, let c):
      append("add chain ")
      append(tableRef: t)
      append(byte: 32)
      append(c.name)
      if c.base != nil || c.comment != nil {
        append(" { ")
        if let b = c.base {
          append(baseChain: b)
          append(byte: 32)
        }
        if let comment = c.comment {
          append("comment \"")
          append(comment)
          append("\"; ")
        }
        append("}")
      }
    case .flushChain(let t, let c):
      append("flush chain ")
      append(tableRef: t)
      append(byte: 32)
      append(c)
    case .deleteChain(let t, let c):
      append("delete chain ")
      append(tableRef: t)
      append(byte: 32)
      append(c)
    case .addRule(let t, let c, let r):
      append("add rule ")
      append(tableRef: t)
      append(byte: 32)
      append(c)
      append(byte: 32)
      append(rule: r)
    case .addSet(let t, let s):
      append(s.isMap ? "add map " : "add set ")
      append(tableRef: t)
      append(byte: 32)
      append(s.name)
      append(" { ")
      append(setSpec: s, separator: "; ")
      append("}")
    case .deleteSet(let t, let s, let isMap):
      append(isMap ? "delete map " : "delete set ")
      append(tableRef: t)
      append(byte: 32)
      append(s)
    case .flushSet(let t, let s, let isMap):
      append(isMap ? "flush map " : "flush set ")
      append(tableRef: t)
      append(byte: 32)
      append(s)
    case .addCounter(let t, let c):
      append("add counter ")
      append(tableRef: t)
      append(byte: 32)
      append(c.name)
      if let comment = c.comment {
        append(" { comment \"")
        append(comment)
        append("\"; }")
      }
    case .deleteCounter(let t, let c):
      append("delete counter ")
      append(tableRef: t)
      append(byte: 32)
      append(c)
    case .addElements(let t, let s, let es), .deleteElements(let t, let s, let es):
      if case .addElements = command { append("add element ") } else { append("delete element ") }
      append(tableRef: t)
      append(byte: 32)
      append(s.name)
      append(" {")
      let keysOnly: Bool = { if case .deleteElements = command { return true } else { return false } }()
      for (i, e) in es.enumerated() {
        append(i == 0 ? "\n\t" : ",\n\t")
        append(element: keysOnly ? e.keyOnly : e, keyType: s.keyType)
      }
      append("\n}")
    }
    append(byte: 10)
  }
}

extension Transaction {
  /// The transaction as an `nft -f` script (nft applies a file as one transaction).
  public func renderScript() -> String {
    var out = TextBuffer(capacity: 256 + commands.count * 96)
    for c in commands { out.append(command: c) }
    return out.string
  }
}

// Renders a ruleset as an `nft -f` script that atomically replaces kproxy's tables:
// `add table` + `delete table` + the table's full block, for each table, in one file.

extension TextBuffer {
  mutating func append(keyType: [DataType]) {
    for (i, t) in keyType.enumerated() {
      if i > 0 { append(" . ") }
      append(t.rawValue)
    }
  }

  mutating func append(element e: Element, keyType: [DataType]) {
    for (i, v) in e.key.enumerated() {
      if i > 0 { append(" . ") }
      append(value: v, for: keyType[i] == .mark ? .mark : nil)
    }
    if let c = e.comment {
      append(" comment \"")
      append(c)
      append(byte: UInt8(ascii: "\""))
    }
    if let d = e.data {
      append(" : ")
      switch d {
      case .verdict(let v): append(verdict: v)
      case .values(let vs):
        for (i, v) in vs.enumerated() {
          if i > 0 { append(" . ") }
          append(value: v, for: nil)
        }
      case .object(let name):
        append(byte: UInt8(ascii: "\""))
        append(name)
        append(byte: UInt8(ascii: "\""))
      }
    }
  }

  mutating func append(flags: SetFlags) {
    var names: [StaticString] = []
    if flags.contains(.constant) { names.append("constant") }
    if flags.contains(.interval) { names.append("interval") }
    if flags.contains(.dynamic) { names.append("dynamic") }
    if flags.contains(.timeout) { names.append("timeout") }
    for (i, n) in names.enumerated() {
      if i > 0 { append(byte: UInt8(ascii: ",")) }
      append(n)
    }
  }

  /// `type A . B [: D]; [size N;] [flags F;] [timeout Ts;] [comment "C";]` without braces
  /// (`typeof FIELD . FIELD [: FIELD]` for sets declared by expressions).
  mutating func append(setSpec s: NFTSet, separator: StaticString) {
    if let t = s.typeof {
      append("typeof ")
      append(fields: t.key)
      if let d = t.data {
        append(" : ")
        append(fields: d)
      }
    } else {
      append("type ")
      append(keyType: s.keyType)
      if let d = s.dataType {
        append(" : ")
        append(keyType: d)
      }
    }
    append(separator)
    if let size = s.size {
      append("size ")
      append(decimal: size)
      append(separator)
    }
    if !s.flags.isEmpty {
      append("flags ")
      append(flags: s.flags)
      append(separator)
    }
    if let t = s.timeoutSeconds {
      append("timeout ")
      append(decimal: t)
      append("s")
      append(separator)
    }
    if let c = s.comment {
      append("comment \"")
      append(c)
      append("\"")
      append(separator)
    }
  }

  mutating func append(baseChain b: BaseChain) {
    append("type ")
    append(b.type.rawValue)
    append(" hook ")
    append(b.hook.rawValue)
    append(" priority ")
    append(decimal: b.priority)
    append(b.policyAccept ? "; policy accept;" : "; policy drop;")
  }

  mutating func appendBlock(set s: NFTSet) {
    append(s.isMap ? "\tmap " : "\tset ")
    append(s.name)
    append(" {\n\t\t")
    append(setSpec: s, separator: "\n\t\t")
    if !s.elements.isEmpty {
      append("elements = { ")
      for (i, e) in s.elements.enumerated() {
        if i > 0 { append(",\n\t\t\t     ") }
        append(element: e, keyType: s.keyType)
      }
      append(" }\n\t\t")
    }
    // Drop the indentation left by the last separator.
    while bytes.last == UInt8(ascii: "\t") { removeLast() }
    append("\t}\n")
  }

  /// `counter NAME { comment "C" }`: declared without values, so a loaded script starts at zero.
  mutating func appendBlock(counter c: CounterObject) {
    append("\tcounter ")
    append(c.name)
    append(" {\n")
    if let comment = c.comment {
      append("\t\tcomment \"")
      append(comment)
      append("\"\n")
    }
    append("\t}\n")
  }

  mutating func appendBlock(chain c: Chain) {
    append("\tchain ")
    append(c.name)
    append(" {\n")
    if let b = c.base {
      append("\t\t")
      append(baseChain: b)
      append("\n")
    }
    if let comment = c.comment {
      append("\t\tcomment \"")
      append(comment)
      append("\"\n")
    }
    for r in c.rules {
      append("\t\t")
      append(rule: r)
      append(byte: 10)
    }
    append("\t}\n")
  }

  mutating func appendBlock(table t: Table) {
    append("table ")
    append(t.family.rawValue)
    append(" ")
    append(t.name)
    append(" {\n")
    if let c = t.comment {
      append("\tcomment \"")
      append(c)
      append("\"\n")
    }
    var first = true
    for c in t.counters {
      if !first { append(byte: 10) }
      first = false
      appendBlock(counter: c)
    }
    for s in t.sets {
      if !first { append(byte: 10) }
      first = false
      appendBlock(set: s)
    }
    for c in t.chains {
      if !first { append(byte: 10) }
      first = false
      appendBlock(chain: c)
    }
    append("}\n")
  }
}

extension Ruleset {
  /// The complete `nft -f` script: for every table, create it if missing, delete it, and
  /// declare it anew. nft sends the whole file as one transaction, so the switch is atomic.
  public func renderScript() -> String {
    var out = TextBuffer(capacity: estimatedTextSize)
    renderScript(into: &out)
    return out.string
  }

  public func renderScript(into out: inout TextBuffer) {
    for t in tables {
      out.append("add table ")
      out.append(t.family.rawValue)
      out.append(" ")
      out.append(t.name)
      out.append("\ndelete table ")
      out.append(t.family.rawValue)
      out.append(" ")
      out.append(t.name)
      out.append("\n")
      out.appendBlock(table: t)
    }
    // nft 1.0.6 has no `destroy`: `add` first, so that an absent table is not an error.
    for r in absentTables {
      out.append("add table \(r.family.rawValue) \(r.name)\ndelete table \(r.family.rawValue) \(r.name)\n")
    }
  }

  var estimatedTextSize: Int {
    var n = 4096
    for t in tables {
      for c in t.chains { n += 64 + c.rules.count * 96 }
      for s in t.sets { n += 128 + s.elements.count * 64 }
      n += t.counters.count * 96
    }
    return n
  }
}

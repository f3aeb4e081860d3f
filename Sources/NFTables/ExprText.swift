// Text rendering of the rule vocabulary, in the spelling `nft list ruleset` prints back.
import NetAddress

extension TextBuffer {
  mutating func append(field: Field) {
    switch field {
    case .saddr(let v):
      append(v == .v4 ? "ip saddr" : "ip6 saddr")
    case .daddr(let v):
      append(v == .v4 ? "ip daddr" : "ip6 daddr")
    case .l4proto: append("meta l4proto")
    case .thDport: append("th dport")
    case .dport(let p):
      append(p.name)
      append(" dport")
    case .mark: append("meta mark")
    case .numgenRandom(let mod):
      append("numgen random mod ")
      append(decimal: UInt64(mod))
    case .fibSaddrType: append("fib saddr type")
    case .fibDaddrType: append("fib daddr type")
    case .ctState: append("ct state")
    case .ctStatus: append("ct status")
    }
  }

  mutating func append(fields: [Field]) {
    for (i, f) in fields.enumerated() {
      if i > 0 { append(" . ") }
      append(field: f)
    }
  }

  mutating func append(value: Value, for field: Field?) {
    switch value {
    case .address(let a): append(a)
    case .prefix(let p):
      append(p.address)
      append(byte: UInt8(ascii: "/"))
      append(decimal: p.length)
    case .proto(let p): append(p.name)
    case .port(let p): append(decimal: UInt64(p))
    case .integer(let i):
      if case .mark = field { append(hex32: i) } else { append(decimal: UInt64(i)) }
    case .ctState(let s): append(s.name)
    case .ctStatus(let s): append(s.name)
    case .fibType(let t): append(t.name)
    }
  }

  mutating func append(verdict: Verdict) {
    switch verdict {
    case .accept: append("accept")
    case .drop: append("drop")
    case .return_: append("return")
    case .jump(let c):
      append("jump ")
      append(c)
    case .goto(let c):
      append("goto ")
      append(c)
    }
  }

  mutating func append(expr: Expr) {
    switch expr {
    case .cmp(let f, let op, let v):
      append(field: f)
      append(op == .eq ? " " : " != ")
      append(value: v, for: f)
    case .maskedCmp(let f, let mask, let op, let v):
      append(field: f)
      append(" & ")
      append(hex32: mask)
      append(op == .eq ? " == " : " != ")
      append(hex32: v)
    case .lookup(let fs, let set, let negated):
      append(fields: fs)
      append(negated ? " != @" : " @")
      append(set)
    case .vmap(let fs, let map):
      append(fields: fs)
      append(" vmap @")
      append(map)
    case .markOr(let bits):
      append("meta mark set meta mark | ")
      append(hex32: bits)
    case .markXor(let bits):
      append("meta mark set meta mark ^ ")
      append(hex32: bits)
    case .updateSet(let fs, let set):
      append("update @")
      append(set)
      append(" { ")
      append(fields: fs)
      append(" }")
    case .dnat(let addr, let port):
      append("dnat to ")
      if case .v6 = addr {
        append(byte: UInt8(ascii: "["))
        append(addr)
        append(byte: UInt8(ascii: "]"))
      } else {
        append(addr)
      }
      append(byte: UInt8(ascii: ":"))
      append(decimal: UInt64(port))
    case .dnatMap(let fs, let map, let v):
      append(v == .v4 ? "dnat ip to " : "dnat ip6 to ")
      append(fields: fs)
      append(" map @")
      append(map)
    case .masquerade(let fullyRandom):
      append(fullyRandom ? "masquerade fully-random" : "masquerade")
    case .reject: append("reject")
    case .counter: append("counter")
    case .counterMap(let fs, let map):
      append("counter name ")
      append(fields: fs)
      append(" map @")
      append(map)
    case .verdict(let v): append(verdict: v)
    }
  }

  /// A rule's expressions and comment, space separated, without indentation or newline.
  public mutating func append(rule: Rule) {
    for (i, e) in rule.exprs.enumerated() {
      if i > 0 { append(byte: 32) }
      append(expr: e)
    }
    if let c = rule.comment {
      append(" comment \"")
      append(c)
      append(byte: UInt8(ascii: "\""))
    }
  }
}

// One rule against one branch: every `numgen random` value the rule draws is enumerated (each
// assignment is a branch with its share of the probability), then the expressions run in order
// as the kernel runs them: a failed match or lookup ends the rule, statements change the packet.
import NFTables
import NetAddress

/// How a rule ended for one branch.
enum RuleOutcome: Hashable {
  /// A match failed (or a map had no element for the key): go on with the next rule.
  case noMatch
  /// Every expression ran and none was a verdict: go on with the next rule.
  case next
  case jump(String)
  case goto(String)
  case returned
  /// A terminal verdict for this base chain: `accept` (also after DNAT/masquerade), `drop`, `reject`.
  case end(ChainFlow)
}

/// How a chain ended for one branch.
enum ChainFlow: Hashable {
  /// The chain ran out of rules or returned: the caller goes on (a base chain: its policy, accept).
  case next
  case accept
  case drop
  case reject
}

struct RuleEvaluation {
  let flow: TraceFlow
  let node: TraceNode
  let index: SetIndex
  let table: String

  /// The rule run with every assignment of its numgen draws, as (branch, outcome) pairs.
  func run(_ rule: Rule, chain: String, on branch: TraceBranch) throws -> [(TraceBranch, RuleOutcome)] {
    let mods = rule.exprs.flatMap(\.numgenMods)
    var out: [(TraceBranch, RuleOutcome)] = []
    for draw in Self.assignments(mods) {
      var b = branch
      if !mods.isEmpty {
        b.probability = b.probability.scaled(by: 1, over: mods.reduce(1) { $0 * UInt64($1) })
      }
      var draws = draw[...]
      let outcome = try run(rule, chain: chain, on: &b, draws: &draws)
      out.append((b, outcome))
    }
    return out
  }

  /// Every combination of values for draws `mod m1, mod m2, …` (one empty one for none).
  static func assignments(_ mods: [UInt32]) -> [[UInt32]] {
    var all: [[UInt32]] = [[]]
    for m in mods {
      all = all.flatMap { prefix in (0..<m).map { prefix + [$0] } }
    }
    return all
  }

  private func run(_ rule: Rule, chain: String, on b: inout TraceBranch, draws: inout ArraySlice<UInt32>) throws -> RuleOutcome {
    func record() {
      var text = TextBuffer(capacity: 128)
      text.append(rule: rule)
      b.steps.append(TraceStep(kind: .rule, table: table, chain: chain, text: text.string))
    }
    for e in rule.exprs {
      switch e {
      case .cmp(let f, let op, let v):
        guard let have = load(f, b, &draws) else { return .noMatch }
        let equal = SetIndex.component(v, matches: have) || Self.bitsMatch(v, have)
        if equal != (op == .eq) { return .noMatch }
      case .maskedCmp(let f, let mask, let op, let v):
        guard case .integer(let have)? = load(f, b, &draws) else { return .noMatch }
        if ((have & mask) == v) != (op == .eq) { return .noMatch }
      case .lookup(let fs, let set, let negated):
        guard let key = keyOf(fs, b, &draws) else { return .noMatch }
        let found = try index.lookup(set, key: key, table: table) != nil
        if found == negated { return .noMatch }
      case .vmap(let fs, let map):
        guard let key = keyOf(fs, b, &draws), case .some(.some(.verdict(let v))) = try index.lookup(map, key: key, table: table)
        else { return .noMatch }
        record()
        return outcome(of: v)
      case .markOr(let bits): b.mark |= bits
      case .markXor(let bits): b.mark ^= bits
      case .updateSet: break  // learned affinity is the kernel's state; a trace starts without it
      case .dnat(let addr, let port):
        applyDNAT(TraceEndpoint(address: addr, port: port), to: &b)
        record()
        return .end(.accept)
      case .dnatMap(let fs, let map, _):
        guard let key = keyOf(fs, b, &draws),
          case .some(.some(.values(let data))) = try index.lookup(map, key: key, table: table),
          data.count == 2, case .address(let addr) = data[0], case .port(let port) = data[1]
        else { return .noMatch }
        applyDNAT(TraceEndpoint(address: addr, port: port), to: &b)
        record()
        return .end(.accept)
      case .masquerade:
        b.masquerade = true
        record()
        return .end(.accept)
      case .reject:
        record()
        return .end(.reject)
      case .counter: break
      case .counterMap(let fs, let map):
        // The kernel's objref map breaks the rule when the key has no counter.
        guard let key = keyOf(fs, b, &draws), try index.lookup(map, key: key, table: table) != nil else { return .noMatch }
      case .verdict(let v):
        record()
        return outcome(of: v)
      }
    }
    record()
    return .next
  }

  private func outcome(of v: Verdict) -> RuleOutcome {
    switch v {
    case .accept: .end(.accept)
    case .drop: .end(.drop)
    case .return_: .returned
    case .jump(let c): .jump(c)
    case .goto(let c): .goto(c)
    }
  }

  private func applyDNAT(_ to: TraceEndpoint, to b: inout TraceBranch) {
    b.dnat = to
    b.daddr = to.address
    b.dport = to.port
  }

  /// `ct state new` and `ct status dnat` are bit tests in the kernel.
  static func bitsMatch(_ want: Value, _ have: Value) -> Bool {
    switch (want, have) {
    case (.ctState(let w), .ctState(let h)): w.rawValue & h.rawValue != 0
    case (.ctStatus(let w), .integer(let h)): w.rawValue & h != 0
    default: false
    }
  }

  private func keyOf(_ fields: [Field], _ b: TraceBranch, _ draws: inout ArraySlice<UInt32>) -> [Value]? {
    var key: [Value] = []
    key.reserveCapacity(fields.count)
    for f in fields {
      guard let v = load(f, b, &draws) else { return nil }
      key.append(v)
    }
    return key
  }

  /// What the kernel loads for `field` (nil: the packet has no such field, e.g. `tcp dport` of a UDP packet).
  private func load(_ field: Field, _ b: TraceBranch, _ draws: inout ArraySlice<UInt32>) -> Value? {
    switch field {
    case .saddr(let v): return matches(v, b.saddr) ? .address(b.saddr) : nil
    case .daddr(let v): return matches(v, b.daddr) ? .address(b.daddr) : nil
    case .l4proto: return .proto(flow.proto)
    case .thDport: return .port(b.dport)
    case .dport(let p): return p == flow.proto ? .port(b.dport) : nil
    case .mark: return .integer(b.mark)
    case .numgenRandom: return .integer(draws.popFirst() ?? 0)
    case .fibSaddrType: return node.isLocal(b.saddr) ? .fibType(.local) : .integer(1)
    case .fibDaddrType: return node.isLocal(b.daddr) ? .fibType(.local) : .integer(1)
    case .ctState: return .ctState(.new)
    case .ctStatus: return .integer(b.dnat != nil ? CtStatus.dnat.rawValue : 0)
    }
  }

  private func matches(_ v: IPVersion, _ a: IPAddress) -> Bool { (v == .v4) == (a.family == .v4) }
}

extension Expr {
  /// The `numgen random mod N` draws this expression makes, in order.
  var numgenMods: [UInt32] {
    func mods(_ fs: [Field]) -> [UInt32] {
      fs.compactMap { if case .numgenRandom(let m) = $0 { m } else { nil } }
    }
    switch self {
    case .cmp(let f, _, _), .maskedCmp(let f, _, _, _): return mods([f])
    case .lookup(let fs, _, _), .vmap(let fs, _), .updateSet(let fs, _), .dnatMap(let fs, _, _): return mods(fs)
    default: return []
    }
  }
}

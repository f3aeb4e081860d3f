// Running chains for one table: rules in order, `jump` (and verdict-map jumps) return to the next
// rule, `goto` does not, `return` and the end of a chain go back to the caller; at most 16 nested
// jumps, as the kernel allows. Branches that end alike are merged at every step.
import NFTables

struct ChainWalk {
  let table: Table
  let chains: [String: Chain]
  let evaluation: RuleEvaluation

  init(table: Table, flow: TraceFlow, node: TraceNode) {
    self.table = table
    var byName: [String: Chain] = [:]
    for c in table.chains { byName[c.name] = c }
    chains = byName
    evaluation = RuleEvaluation(flow: flow, node: node, index: SetIndex(table: table), table: Self.label(table))
  }

  static func label(_ t: Table) -> String { "\(t.family.rawValue) \(t.name)" }

  /// Runs `name` on `branch`; every branch comes back with how the chain ended for it.
  func run(_ name: String, on branch: TraceBranch, depth: Int = 0) throws -> [(TraceBranch, ChainFlow)] {
    guard let chain = chains[name] else { throw TraceError.unknownChain(table: evaluation.table, chain: name) }
    if depth > 16 { throw TraceError.tooDeep(table: evaluation.table, chain: name) }
    var live = [branch]
    var done: [(TraceBranch, ChainFlow)] = []
    for rule in chain.rules {
      if live.isEmpty { break }
      var next: [(TraceBranch, ChainFlow)] = []
      for b in live {
        for (b2, outcome) in try evaluation.run(rule, chain: name, on: b) {
          switch outcome {
          case .noMatch, .next: next.append((b2, .next))
          case .returned: done.append((b2, .next))
          case .end(let f): done.append((b2, f))
          case .jump(let target):
            for (b3, f) in try enter(target, b2, "jump", depth) {
              if f == .next { next.append((b3, .next)) } else { done.append((b3, f)) }
            }
          case .goto(let target):
            done += try enter(target, b2, "goto", depth)
          }
        }
      }
      live = next.merged().map(\.0)
    }
    done += live.map { ($0, .next) }
    return done.merged()
  }

  private func enter(_ target: String, _ b: TraceBranch, _ how: String, _ depth: Int) throws -> [(TraceBranch, ChainFlow)] {
    var b = b
    b.steps.append(TraceStep(kind: .chain, table: evaluation.table, chain: target, text: "\(how) \(target)"))
    return try run(target, on: b, depth: depth + 1)
  }
}

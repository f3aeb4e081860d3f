// The kernel's path for the first packet of a new connection: for each hook the packet passes,
// the base chains of every table of its family by priority; NAT chains of a hook stop once one
// of them has set up that kind of NAT (as nf_nat does); the route after prerouting depends on
// the rewritten destination. The result lists every distinct outcome with its probability.
import NFTables
import NetAddress

/// Evaluates flows against a ruleset (compiled, or read back from a kernel).
public struct TraceEvaluator: Sendable {
  public let ruleset: Ruleset
  public let node: TraceNode

  public init(ruleset: Ruleset, node: TraceNode) {
    self.ruleset = ruleset
    self.node = node
  }

  public func trace(_ flow: TraceFlow) throws -> TraceResult {
    let tables = ruleset.tables.filter { $0.family == flow.family || $0.family == .inet }
    let walks = tables.map { ChainWalk(table: $0, flow: flow, node: node) }
    var branches = [TraceBranch(flow: flow)]
    let first: Hook = flow.path == .prerouting ? .prerouting : .output
    branches = try pass(first, branches, walks)
    if flow.path == .prerouting {
      let local = branches.filter { $0.verdict == .accept && node.isLocal($0.daddr) }
      let routed = branches.filter { $0.verdict == .accept && !node.isLocal($0.daddr) }
      branches = branches.filter { $0.verdict != .accept }
      branches += try pass(.input, local, walks) + pass(.forward, routed, walks)
    }
    branches = try pass(.postrouting, branches, walks)
    return TraceResult(flow: flow, branches: branches)
  }

  /// Every base chain of `hook` in priority order (tables in ruleset order at equal priority).
  private func pass(_ hook: Hook, _ branches: [TraceBranch], _ walks: [ChainWalk]) throws -> [TraceBranch] {
    var chains: [(walk: ChainWalk, chain: Chain, base: BaseChain)] = []
    for w in walks {
      for c in w.table.chains {
        if let base = c.base, base.hook == hook { chains.append((w, c, base)) }
      }
    }
    chains = chains.enumerated().sorted { ($0.element.base.priority, $0.offset) < ($1.element.base.priority, $1.offset) }.map(\.element)
    var live = branches
    for (walk, chain, base) in chains {
      var next: [TraceBranch] = []
      for b in live {
        if b.verdict != .accept || (base.type == .nat && Self.natDone(hook, b)) {
          next.append(b)
          continue
        }
        var entering = b
        entering.steps.append(
          TraceStep(
            kind: .hook, table: ChainWalk.label(walk.table), chain: chain.name,
            text: "type \(base.type.rawValue) hook \(hook.rawValue) priority \(base.priority)"))
        for (b2, f) in try walk.run(chain.name, on: entering) {
          var b3 = b2
          switch f {
          case .next where !base.policyAccept, .drop: b3.verdict = .drop
          case .reject: b3.verdict = .reject
          case .next, .accept: break
          }
          next.append(b3)
        }
      }
      live = next.map { ($0, ChainFlow.next) }.merged().map(\.0)
    }
    return live
  }

  /// Whether NAT of the kind this hook does was already set up (later NAT chains are skipped).
  private static func natDone(_ hook: Hook, _ b: TraceBranch) -> Bool {
    switch hook {
    case .prerouting, .output: b.dnat != nil
    case .postrouting, .input: b.masquerade
    case .forward: false
    }
  }
}

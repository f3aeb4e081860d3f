// What a trace found: the distinct outcomes (verdict, DNAT target, masquerade) with their
// probabilities and, for each, the steps of the way there.
import NFTables
import NetAddress

/// One distinct fate of the packet.
public struct TraceOutcome: Sendable, Hashable {
  public var verdict: TraceVerdict
  /// The endpoint the connection is DNATed to, if any.
  public var dnat: TraceEndpoint?
  /// Whether the source is masqueraded (rewritten to the node's address) on the way out.
  public var masquerade: Bool
  public var probability: Probability
  /// The chains entered and rules matched, in order (of the first branch with this outcome).
  public var steps: [TraceStep]
}

/// Every outcome of a flow, most likely first (then by endpoint).
public struct TraceResult: Sendable, Hashable {
  public var flow: TraceFlow
  public var outcomes: [TraceOutcome]

  init(flow: TraceFlow, branches: [TraceBranch]) {
    self.flow = flow
    var byOutcome: [OutcomeKey: TraceOutcome] = [:]
    for b in branches {
      // A dropped or rejected packet leaves no connection to rewrite: its DNAT and masquerade
      // do not matter to the client.
      let key = OutcomeKey(verdict: b.verdict, dnat: b.verdict == .accept ? b.dnat : nil, masquerade: b.verdict == .accept && b.masquerade)
      if var o = byOutcome[key] {
        o.probability = o.probability + b.probability
        byOutcome[key] = o
      } else {
        byOutcome[key] = TraceOutcome(
          verdict: key.verdict, dnat: key.dnat, masquerade: key.masquerade, probability: b.probability, steps: b.steps)
      }
    }
    outcomes = byOutcome.values.sorted {
      if $0.probability != $1.probability { return $0.probability > $1.probability }
      if $0.verdict != $1.verdict { return $0.verdict < $1.verdict }
      switch ($0.dnat, $1.dnat) {
      case (let a?, let b?): return a < b
      case (nil, _?): return true
      default: return false
      }
    }
  }

  /// The endpoints the connection may be DNATed to, with their probabilities.
  public var endpoints: [TraceEndpoint: Probability] {
    var out: [TraceEndpoint: Probability] = [:]
    for o in outcomes {
      if let d = o.dnat { out[d] = (out[d].map { $0 + o.probability }) ?? o.probability }
    }
    return out
  }
}

private struct OutcomeKey: Hashable {
  var verdict: TraceVerdict
  var dnat: TraceEndpoint?
  var masquerade: Bool
}

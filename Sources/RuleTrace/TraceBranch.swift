// One way the first packet can go through the ruleset: the packet as the rules see it at this
// point (rewritten destination, mark, conntrack status), what happened to it, the steps taken,
// and how likely this branch is (numgen choices split a trace into branches).
import NFTables
import NetAddress

/// One step of a trace: a base chain entered, a chain jumped or gone to, or a rule that matched.
public struct TraceStep: Sendable, Hashable {
  public enum Kind: String, Sendable, Hashable {
    /// A base chain is run for its hook.
    case hook
    /// A regular chain is entered by `jump`, `goto` or a verdict map.
    case chain
    /// A rule's matches all held and its statements ran.
    case rule
  }
  public var kind: Kind
  public var table: String
  public var chain: String
  /// The rule's nft text (`rule` steps) or a short description.
  public var text: String

  public init(kind: Kind, table: String, chain: String, text: String) {
    self.kind = kind
    self.table = table
    self.chain = chain
    self.text = text
  }
}

/// What finally happens to the packet.
public enum TraceVerdict: String, Sendable, Hashable, Comparable {
  /// Passed every hook (possibly rewritten).
  case accept
  /// Dropped by a rule: the client times out.
  case drop
  /// Rejected by a rule: the client sees a reset or an ICMP unreachable.
  case reject

  public static func < (a: TraceVerdict, b: TraceVerdict) -> Bool { a.rawValue < b.rawValue }
}

/// The packet and its fate along one branch.
struct TraceBranch: Hashable {
  var daddr: IPAddress
  var dport: UInt16
  var saddr: IPAddress
  var mark: UInt32
  /// Set once a DNAT rewrote the destination (`ct status dnat`).
  var dnat: TraceEndpoint?
  var masquerade = false
  var verdict = TraceVerdict.accept
  var steps: [TraceStep] = []
  /// Not part of the identity: branches that differ only in probability are merged.
  var probability = Probability.one

  init(flow: TraceFlow) {
    daddr = flow.destination
    dport = flow.destinationPort
    saddr = flow.source
    mark = flow.mark
  }

  static func == (a: TraceBranch, b: TraceBranch) -> Bool {
    a.daddr == b.daddr && a.dport == b.dport && a.saddr == b.saddr && a.mark == b.mark && a.dnat == b.dnat
      && a.masquerade == b.masquerade && a.verdict == b.verdict && a.steps == b.steps
  }

  func hash(into h: inout Hasher) {
    h.combine(daddr)
    h.combine(dport)
    h.combine(mark)
    h.combine(dnat)
    h.combine(masquerade)
    h.combine(steps.count)
  }
}

/// An address and port a connection is DNATed to.
public typealias TraceEndpoint = IPEndpoint

extension Array where Element == (TraceBranch, ChainFlow) {
  /// Branches that ended the same way with the same state, as one branch with their summed
  /// probability (the no-match outcomes of a `numgen` comparison are many identical branches).
  func merged() -> [(TraceBranch, ChainFlow)] {
    if count < 2 { return self }
    var index: [MergeKey: Int] = [:]
    var out: [(TraceBranch, ChainFlow)] = []
    for (b, f) in self {
      let k = MergeKey(branch: b, flow: f)
      if let i = index[k] {
        out[i].0.probability = out[i].0.probability + b.probability
      } else {
        index[k] = out.count
        out.append((b, f))
      }
    }
    return out
  }
}

private struct MergeKey: Hashable {
  var branch: TraceBranch
  var flow: ChainFlow
}

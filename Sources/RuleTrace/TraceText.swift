// The trace for people: the flow, each outcome with its probability, and the way through the
// chains to each outcome (ways that visit the same chains as one already printed are named, not repeated).
import NFTables

extension TraceResult {
  public func render() -> String {
    var out: [String] = []
    let f = flow
    out.append(
      "\(f.proto.name) \(TraceEndpoint(address: f.source, port: f.sourcePort)) -> \(TraceEndpoint(address: f.destination, port: f.destinationPort)), new connection, path \(f.path.rawValue)"
    )
    out.append("")
    out.append("outcome:")
    for o in outcomes { out.append("  \(pad(o.probability.description, 7)) \(o.summary)") }
    var printed: [[String]: String] = [:]
    for o in outcomes {
      out.append("")
      let chainsVisited = o.steps.filter { $0.kind != .rule }.map { "\($0.table) \($0.chain)" }
      if let earlier = printed[chainsVisited] {
        out.append("way to \(o.summary): the same chains as the way to \(earlier)")
        continue
      }
      printed[chainsVisited] = o.summary
      out.append("way to \(o.summary):")
      for s in o.steps {
        switch s.kind {
        case .hook: out.append("  \(s.table) \(s.chain) (\(s.text))")
        case .chain: out.append("      -> \(s.text)")
        case .rule: out.append("    \(s.chain): \(s.text)")
        }
      }
    }
    return out.joined(separator: "\n") + "\n"
  }

  private func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}

extension TraceOutcome {
  /// `DNAT to 10.0.1.5:8080, masquerade`, `REJECT`, `DROP`, `untouched`.
  public var summary: String {
    switch verdict {
    case .drop: return "DROP"
    case .reject: return "REJECT"
    case .accept:
      let nat = dnat.map { "DNAT to \($0)" } ?? "untouched"
      return masquerade ? "\(nat), masquerade" : nat
    }
  }
}

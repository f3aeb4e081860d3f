// `trace --verify`'s judgement: what real attempts (a probe's tally) show that a trace did not
// predict — other endpoints, a masquerade seen or missed, answers where REJECT or DROP was
// predicted. Pure, so that every rule of the comparison is tested without a kernel.
import RuleTrace

public enum TraceComparison {
  /// What the attempts show that the prediction does not say.
  public static func problems(_ result: TraceResult, _ row: SandboxCheckRow, fromNode: Bool) -> [String] {
    var problems: [String] = []
    let verdicts = Set(result.outcomes.map(\.verdict))
    let predicted = Set(result.outcomes.compactMap(\.dnat).map(\.description))
    let answered = Set(row.endpoints.keys)
    let errors = Set(row.errors.keys)
    let perm: Set<String> = fromNode ? ["EPERM"] : []
    if verdicts == [.accept], !predicted.isEmpty {
      if answered != predicted { problems.append("answered by \(answered.sorted()) instead of \(predicted.sorted())") }
      if !errors.isEmpty { problems.append("failures \(errors.sorted())") }
      let masquerade = result.outcomes.contains { $0.masquerade }
      if !answered.isEmpty && row.masquerade != masquerade {
        problems.append(row.masquerade ? "the endpoints saw \(row.peers), not the client" : "the endpoints saw the client's address")
      }
    } else if verdicts == [.accept] {
      if !answered.isEmpty { problems.append("answered by \(answered.sorted()) though untouched") }
    } else if verdicts == [.reject] {
      if !answered.isEmpty || !errors.isSubset(of: perm.union(["refused"])) { problems.append("expected every attempt refused") }
    } else if verdicts == [.drop] {
      if !answered.isEmpty || !errors.isSubset(of: perm.union(["timeout"])) { problems.append("expected every attempt to time out") }
    } else {
      problems.append("the trace predicts several kinds of outcome; --verify compares one kind")
    }
    return problems
  }

}

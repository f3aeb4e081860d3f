// `kproxy trace --json`: the flow, the node's addresses, and every outcome with its exact and
// decimal probability and its steps, with stable key order for tools and CI diffs.
import Foundation
import NetAddress
import RuleTrace

enum TraceJSON {
  static func render(_ r: TraceResult, nodeAddresses: [IPAddress], verify: [String: Any]? = nil) throws -> String {
    let f = r.flow
    var doc: [String: Any] = [
      "flow": [
        "from": f.source.description, "fromPort": Int(f.sourcePort), "to": f.destination.description,
        "toPort": Int(f.destinationPort), "protocol": f.proto.name, "path": f.path.rawValue,
      ],
      "nodeAddresses": nodeAddresses.map(\.description),
      "outcomes": r.outcomes.map { o -> [String: Any] in
        var out: [String: Any] = [
          "verdict": o.verdict.rawValue, "masquerade": o.masquerade, "probability": o.probability.description,
          "probabilityValue": o.probability.value, "summary": o.summary,
          "steps": o.steps.map { ["kind": $0.kind.rawValue, "table": $0.table, "chain": $0.chain, "text": $0.text] },
        ]
        if let d = o.dnat { out["dnat"] = ["address": d.address.description, "port": Int(d.port)] }
        return out
      },
    ]
    if let verify { doc["verify"] = verify }
    let data = try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}

// `kproxy status` output: a table per kproxy table for people, and `--json` with stable key
// order for tools (service ports, destinations, targets, counters, learned affinity).
import Foundation
import NFTables
import ProxyRules

/// What `status` found in one of kproxy's tables.
struct TableStatus {
  var table: TableRef
  var countersOn: Bool
  var servicePorts: [ProgrammedServicePort]
}

enum StatusText {
  static func target(_ t: ProgrammedTarget) -> String {
    switch t {
    case .reject: "reject (no endpoints)"
    case .drop: "drop (no local endpoints)"
    case .endpoints(let eps, let localOnly):
      eps.isEmpty ? "no endpoint" : (localOnly ? "local: " : "") + eps.map(\.description).joined(separator: " ")
    }
  }

  static func learned(_ p: ProgrammedServicePort) -> String {
    guard !p.affinitySets.isEmpty else { return "-" }
    let n = p.learnedClients.values.reduce(0, +)
    return n == 1 ? "1 client" : "\(n) clients"
  }

  static func render(_ tables: [TableStatus]) -> String {
    if tables.isEmpty { return "no kproxy table is programmed here\n" }
    var out = ""
    for t in tables {
      let n = t.servicePorts.count
      out += "\(t.table): \(n) service port\(n == 1 ? "" : "s")\(t.countersOn ? ", counters on" : " (counters off: kproxy --counters)")\n"
      var rows: [[String]] = [["SERVICE PORT", "DESTINATION", "TARGET", "PACKETS", "BYTES", "AFFINITY"]]
      for p in t.servicePorts {
        for (i, r) in p.routes.enumerated() {
          let first = i == 0
          rows.append([
            first ? p.name : "", r.destination.description, target(r.target),
            first ? (p.counter.map { String($0.packets) } ?? "-") : "", first ? (p.counter.map { String($0.bytes) } ?? "-") : "",
            first ? learned(p) : "",
          ])
        }
      }
      out += columns(rows)
    }
    return out
  }

  /// Left-aligned columns two spaces apart; the last column unpadded.
  static func columns(_ rows: [[String]]) -> String {
    guard let width = rows.first?.count else { return "" }
    var widths = [Int](repeating: 0, count: width)
    for r in rows { for (i, c) in r.enumerated() { widths[i] = max(widths[i], c.count) } }
    return rows.map { r in
      r.enumerated().map { i, c in i == width - 1 ? c : c.padding(toLength: widths[i], withPad: " ", startingAt: 0) }
        .joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
    }.joined(separator: "\n") + "\n"
  }

  static func json(_ tables: [TableStatus]) throws -> String {
    let doc: [String: Any] = [
      "tables": tables.map { t -> [String: Any] in
        [
          "table": t.table.description, "counters": t.countersOn,
          "servicePorts": t.servicePorts.map { p -> [String: Any] in
            var port: [String: Any] = [
              "name": p.name,
              "routes": p.routes.map { r -> [String: Any] in
                var route: [String: Any] = ["destination": r.destination.description]
                switch r.target {
                case .reject: route["target"] = "reject"
                case .drop: route["target"] = "drop"
                case .endpoints(let eps, let localOnly):
                  route["target"] = "endpoints"
                  route["endpoints"] = eps.map(\.description)
                  route["localOnly"] = localOnly
                }
                return route
              },
            ]
            if let c = p.counter { port["counter"] = ["name": c.name, "packets": c.packets, "bytes": c.bytes] }
            if !p.affinitySets.isEmpty {
              port["affinity"] = p.affinitySets.keys.sorted().map { ep -> [String: Any] in
                ["endpoint": ep.description, "set": p.affinitySets[ep]!, "learnedClients": p.learnedClients[ep] ?? 0]
              }
            }
            return port
          },
        ]
      }
    ]
    let data = try JSONSerialization.data(withJSONObject: doc, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    return String(decoding: data, as: UTF8.self) + "\n"
  }
}

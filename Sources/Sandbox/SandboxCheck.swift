// `sandbox check`: the probes' answers tallied per service address and source — which endpoints
// answered and how often, whether the endpoint saw the client's address or a masqueraded one,
// and the failures (refused = REJECT, timeout = DROP) — as a table for people and JSON for CI.
import Foundation

/// The tally of one probe.
public struct SandboxCheckRow: Sendable, Hashable, Codable {
  public var probe: SandboxProbe
  public var attempts: Int
  /// Answers per endpoint (`IP:PORT` as the endpoint saw itself).
  public var endpoints: [String: Int]
  /// Failures per reason (refused, timeout, unreachable, EPERM, …).
  public var errors: [String: Int]
  /// The source addresses the endpoints saw.
  public var peers: [String]
  /// Whether any endpoint saw an address other than the client's own.
  public var masquerade: Bool

  public init(probe: SandboxProbe, lines: [String]) {
    self.probe = probe
    attempts = lines.count
    var endpoints: [String: Int] = [:]
    var errors: [String: Int] = [:]
    var peers = Set<String>()
    for line in lines {
      let fields = line.split(separator: " ")
      if fields.count == 2, fields[0].hasPrefix("server="), fields[1].hasPrefix("peer=") {
        let server = String(fields[0].dropFirst("server=".count))
        let peer = String(fields[1].dropFirst("peer=".count))
        endpoints[server, default: 0] += 1
        peers.insert(String(peer[..<(peer.lastIndex(of: ":") ?? peer.endIndex)]))
      } else {
        errors[line.hasPrefix("error=") ? String(line.dropFirst("error=".count)) : line, default: 0] += 1
      }
    }
    self.endpoints = endpoints
    self.errors = errors
    self.peers = peers.sorted()
    masquerade = peers.contains { $0 != probe.fromAddress }
  }

  /// `IP:PORT` as the echo server prints it, with an IPv6 address bracketed (`[fd00::5]:53`).
  static func bracketed(_ endpoint: String) -> String {
    guard endpoint.filter({ $0 == ":" }).count > 1, let colon = endpoint.lastIndex(of: ":") else { return endpoint }
    return "[\(endpoint[..<colon])]\(endpoint[colon...])"
  }

  /// `10.244.0.21:8080 ×6, 10.244.1.22:8080 ×6; source kept`, `REJECT (refused ×12)`, …
  public var summary: String {
    var parts: [String] = []
    if !endpoints.isEmpty {
      let answered = endpoints.sorted { $0.key < $1.key }.map { "\(Self.bracketed($0.key)) ×\($0.value)" }.joined(separator: ", ")
      parts.append(answered + (masquerade ? "; masqueraded (seen as \(peers.joined(separator: ", ")))" : "; source kept"))
    }
    for (reason, n) in errors.sorted(by: { $0.key < $1.key }) {
      let verdict =
        switch reason {
        case "refused": "REJECT"
        case "timeout": "DROP/timeout"
        case "unreachable": "not proxied (unreachable)"
        case "EPERM": "REJECT/DROP by the node's output hook"
        default: "failed"
        }
      parts.append("\(verdict) (\(reason) ×\(n))")
    }
    return parts.joined(separator: "; ")
  }
}

public enum SandboxCheckReport {
  public static func text(_ rows: [SandboxCheckRow], notes: [String]) -> String {
    var lines = [["SERVICE PORT", "KIND", "FROM", "TO", "RESULT"]]
    var last = ""
    for r in rows {
      let label = r.probe.servicePort == last ? "" : r.probe.servicePort
      last = r.probe.servicePort
      lines.append([label, r.probe.kind, r.probe.from.rawValue, r.probe.targetText, r.summary])
    }
    let widths = (0..<4).map { c in lines.map { $0[c].count }.max() ?? 0 }
    var out = lines.map { row in
      (0..<4).map { row[$0].padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ") + "  " + row[4]
    }
    out += notes.map { "note: \($0)" }
    return out.joined(separator: "\n") + "\n"
  }

  public static func json(_ rows: [SandboxCheckRow], notes: [String]) throws -> String {
    struct Report: Codable {
      var probes: [SandboxCheckRow]
      var notes: [String]
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try encoder.encode(Report(probes: rows, notes: notes)), as: UTF8.self) + "\n"
  }
}

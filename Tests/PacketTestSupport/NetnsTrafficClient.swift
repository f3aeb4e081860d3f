// Traffic from a namespace (fixtures/tools/client.py): N fresh connections or datagrams, each
// reported as the echo server's line (which server, which peer it saw) or as an error.
import Foundation

public enum TransportProtocol: String {
  case tcp, udp
}

/// An "IP:PORT" as printed by echo.py (IPv6 addresses are not bracketed: split at the last colon).
public struct SocketAddress: Hashable, CustomStringConvertible {
  public var ip: String
  public var port: Int

  public init?(_ text: Substring) {
    guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
    ip = String(text[..<colon])
    self.port = port
  }

  public var description: String { "\(ip):\(port)" }
}

/// One attempt's outcome, parsed from one output line of client.py.
public struct Attempt: CustomStringConvertible {
  public var line: String

  /// The echo server's address and the peer address it saw, when the attempt was answered.
  public var reply: (server: SocketAddress, peer: SocketAddress)? {
    let fields = line.split(separator: " ")
    guard fields.count == 2, fields[0].hasPrefix("server="), fields[1].hasPrefix("peer="),
      let server = SocketAddress(fields[0].dropFirst("server=".count)),
      let peer = SocketAddress(fields[1].dropFirst("peer=".count))
    else { return nil }
    return (server, peer)
  }

  /// "refused", "timeout", "unreachable", ... when the attempt failed.
  public var error: String? { line.hasPrefix("error=") ? String(line.dropFirst("error=".count)) : nil }

  public var description: String { line }
}

public enum TrafficClient {
  /// Makes `count` attempts from `namespace` to `host`:`port`, each with its own socket.
  public static func send(
    in topology: Topology, from namespace: String, _ proto: TransportProtocol, to host: String, port: Int,
    count: Int, timeout: Double = 2, source: String? = nil, sourcePort: Int? = nil
  ) throws -> [Attempt] {
    var arguments = [
      "python3", PacketTestPaths.client, proto.rawValue, host, String(port), "--count", String(count), "--timeout", String(timeout),
    ]
    if let source { arguments += ["--source", source] }
    if let sourcePort { arguments += ["--source-port", String(sourcePort)] }
    let result = try topology.run(in: namespace, arguments, timeout: Double(count) * (timeout + 1) + 10)
    try result.check()
    let attempts = result.lines.map { Attempt(line: $0) }
    guard attempts.count == count else {
      throw CommandFailure(description: "client printed \(attempts.count) lines for \(count) attempts: \(result.stdout)")
    }
    return attempts
  }
}

extension Array where Element == Attempt {
  /// How many answered attempts each server IP got.
  public var countsByServer: [String: Int] {
    var counts: [String: Int] = [:]
    for a in self { if let r = a.reply { counts[r.server.ip, default: 0] += 1 } }
    return counts
  }

  /// The distinct peer IPs the servers saw.
  public var peers: Set<String> { Set(compactMap { $0.reply?.peer.ip }) }

  /// The distinct error reasons.
  public var errors: Set<String> { Set(compactMap(\.error)) }

  /// A short summary for failure messages.
  public var summary: String {
    var counts: [String: Int] = [:]
    for a in self { counts[a.reply.map { "server=\($0.server.ip) peer=\($0.peer.ip)" } ?? a.line, default: 0] += 1 }
    return counts.sorted { $0.key < $1.key }.map { "\($0.value)× \($0.key)" }.joined(separator: "; ")
  }
}

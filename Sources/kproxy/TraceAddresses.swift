// The address arguments of `kproxy trace` (`10.0.0.1:80/tcp`, `[fd00::1]:80/udp`) and the
// addresses of a network namespace (what is local to the node whose rules are traced).
import ArgumentParser
import Foundation
import NFTables
import NetAddress
import Sandbox

enum TraceAddresses {
  /// `ADDRESS`, `ADDRESS:PORT` or `[V6]:PORT`.
  static func client(_ text: String) throws -> (IPAddress, UInt16) {
    if let a = IPAddress(text) { return (a, 40000) }
    guard let (a, p) = hostPort(text) else {
      throw ValidationError("--from: \(text) is not ADDRESS or ADDRESS:PORT (IPv6 as [ADDRESS]:PORT)")
    }
    return (a, p)
  }

  /// `ADDRESS:PORT/PROTO` or `[V6]:PORT/PROTO`.
  static func destination(_ text: String) throws -> (IPAddress, UInt16, IPProto) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let (a, p) = hostPort(String(parts[0])) else {
      throw ValidationError("--to: \(text) is not ADDRESS:PORT/PROTO (IPv6 as [ADDRESS]:PORT/PROTO)")
    }
    guard let proto = [IPProto.tcp, .udp, .sctp].first(where: { $0.name == parts[1].lowercased() }) else {
      throw ValidationError("--to: \(parts[1]) is not a protocol kproxy handles (tcp, udp, sctp)")
    }
    return (a, p, proto)
  }

  /// `ADDRESS:PORT` (IPv4) or `[ADDRESS]:PORT` (IPv6), port 1-65535.
  static func hostPort(_ text: String) -> (IPAddress, UInt16)? {
    guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]), port > 0 else { return nil }
    var host = text[..<colon]
    if host.hasPrefix("[") && host.hasSuffix("]") {
      host = host.dropFirst().dropLast()
      guard let a = IPAddress(host), a.family == .v6 else { return nil }
      return (a, port)
    }
    guard let a = IPAddress(host), a.family == .v4 else { return nil }
    return (a, port)
  }
}

enum NamespaceAddresses {
  /// The addresses configured in a network namespace (`ip -json address show` run inside it).
  static func list(netns: String?) throws -> [IPAddress] {
    let show = ["/usr/sbin/ip", "-json", "address", "show"]
    let command =
      switch netns {
      case let name? where !name.contains("/"): ["ip", "-n", name] + show.dropFirst()
      case let path?: ["nsenter", "--net=\(path)"] + show
      case nil: show
      }
    let out: String
    do {
      out = try SandboxShell.run(command)
    } catch {
      throw UserError(description: "cannot list the addresses of \(netns.map { "network namespace \($0)" } ?? "this namespace"): \(error)")
    }
    guard let links = try? JSONSerialization.jsonObject(with: Data(out.utf8)) as? [[String: Any]] else {
      throw UserError(
        description:
          "cannot list the addresses of \(netns.map { "network namespace \($0)" } ?? "this namespace"): `ip -json` printed no JSON list")
    }
    return links.flatMap { ($0["addr_info"] as? [[String: Any]]) ?? [] }.compactMap { ($0["local"] as? String).flatMap { IPAddress($0) } }
  }
}

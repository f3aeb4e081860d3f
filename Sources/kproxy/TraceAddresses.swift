// The address arguments of `kproxy trace` (`10.0.0.1:80/tcp`, `[fd00::1]:80/udp`) and the
// addresses of a network namespace (what is local to the node whose rules are traced).
import ArgumentParser
import Foundation
import NFTables
import NetAddress

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

  private static func hostPort(_ text: String) -> (IPAddress, UInt16)? {
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
    let p = Process()
    if let netns, !netns.contains("/") {
      p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
      p.arguments = ["-n", netns, "-json", "address", "show"]
    } else if let netns {
      p.executableURL = URL(fileURLWithPath: "/usr/bin/nsenter")
      p.arguments = ["--net=\(netns)", "/usr/sbin/ip", "-json", "address", "show"]
    } else {
      p.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
      p.arguments = ["-json", "address", "show"]
    }
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { throw UserError(description: "cannot list the addresses of \(netns ?? "this namespace"): \(error)") }
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    guard p.terminationStatus == 0, let links = try? JSONSerialization.jsonObject(with: data) as? [[String: Any]] else {
      throw UserError(
        description:
          "cannot list the addresses of \(netns.map { "network namespace \($0)" } ?? "this namespace") (`ip -json address show` failed)")
    }
    return links.flatMap { ($0["addr_info"] as? [[String: Any]]) ?? [] }.compactMap { ($0["local"] as? String).flatMap { IPAddress($0) } }
  }
}

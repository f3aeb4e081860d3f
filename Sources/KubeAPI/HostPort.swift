// `host:port` listen addresses as kube-proxy's healthz and metrics settings take them
// ("0.0.0.0:10256", "[::1]:10249", ":10256"): checked, not resolved.
import NetAddress

public enum HostPort {
  /// Why `text` is not `IP:port` (IPv6 in brackets; an empty host means every address), or
  /// nil when it is one.
  public static func problem(_ text: String) -> String? {
    guard let colon = text.lastIndex(of: ":") else { return "is not host:port (e.g. 0.0.0.0:10256)" }
    var host = String(text[..<colon])
    let port = text[text.index(after: colon)...]
    guard let p = Int(port), (0...65535).contains(p), port.allSatisfy(\.isASCII) else { return "has no valid port (0-65535)" }
    if host.hasPrefix("[") && host.hasSuffix("]") {
      host = String(host.dropFirst().dropLast())
      guard let ip = IPAddress(host), ip.family == .v6 else { return "has no valid IPv6 address in brackets" }
      return nil
    }
    if host.isEmpty { return nil }
    guard let ip = IPAddress(host), ip.family == .v4 else { return "has no valid host IP (IPv6 goes in brackets: [::1]:10249)" }
    return nil
  }
}

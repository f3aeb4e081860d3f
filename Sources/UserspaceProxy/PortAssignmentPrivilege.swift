// The lowest port this process may bind: 0 as root or with CAP_NET_BIND_SERVICE, else the
// kernel's `net.ipv4.ip_unprivileged_port_start` (1024 by default).
import Foundation

/// Reads the privilege that decides which ports `--listen-address` may use unreassigned.
public enum BindPrivilege {
  /// CAP_NET_BIND_SERVICE's bit in the capability masks of /proc/self/status.
  static let netBindService: UInt64 = 1 << 10

  /// From /proc/self/status (`CapEff`) and /proc/sys/net/ipv4/ip_unprivileged_port_start.
  public static func lowestBindablePort() -> Int {
    let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
    let start = (try? String(contentsOfFile: "/proc/sys/net/ipv4/ip_unprivileged_port_start", encoding: .utf8)) ?? "1024"
    return lowestBindablePort(status: status, unprivilegedPortStart: start)
  }

  /// 0 when `status` shows CAP_NET_BIND_SERVICE effective, else the sysctl's value.
  static func lowestBindablePort(status: String, unprivilegedPortStart: String) -> Int {
    for line in status.split(separator: "\n") where line.hasPrefix("CapEff:") {
      let hex = line.dropFirst("CapEff:".count).trimmingCharacters(in: .whitespaces)
      if let caps = UInt64(hex, radix: 16), caps & netBindService != 0 { return 0 }
    }
    return Int(unprivilegedPortStart.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 1024
  }
}

// Sandbox names and the marker that finds a sandbox's leftovers: every namespace of sandbox N
// is called `kpsb-N-…`, and its state lives in /run/kproxy/sandbox/N.json.
import Foundation

public enum SandboxNames {
  /// The prefix of every sandbox namespace: `sandbox down --all` removes whatever carries it.
  public static let prefix = "kpsb-"
  public static let stateDirectory = "/run/kproxy/sandbox"

  /// Lower-case letters, digits and '-', starting with a letter or digit, at most 20 characters.
  public static func validate(_ name: String) throws(SandboxError) {
    let ok =
      !name.isEmpty && name.utf8.count <= 20
      && name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7a) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2d }
      && name.first != "-" && name.last != "-"
    if !ok { throw .invalidName(name) }
  }

  public static func namespace(_ sandbox: String, _ role: String) -> String { "\(prefix)\(sandbox)-\(role)" }

  /// Whether namespace `ns` belongs to sandbox `sandbox` (or to any sandbox, for nil).
  public static func belongs(_ ns: String, to sandbox: String?) -> Bool {
    guard let sandbox else { return ns.hasPrefix(prefix) }
    return ns.hasPrefix("\(prefix)\(sandbox)-")
  }

  public static func statePath(_ sandbox: String) -> String { "\(stateDirectory)/\(sandbox).json" }
  public static func logPath(_ sandbox: String, _ what: String) -> String { "\(stateDirectory)/\(sandbox).\(what).log" }
}

/// Why a sandbox cannot be built or used.
public enum SandboxError: Error, Hashable, CustomStringConvertible {
  case invalidName(String)
  case noNodeIP
  case tooManyPods(Int)
  case exists(String)
  case notFound(String)
  case unknownMember(sandbox: String, who: String)
  case command([String], status: Int32, stderr: String)

  public var description: String {
    switch self {
    case .invalidName(let n):
      "sandbox name \"\(n)\" is not valid: lower-case letters, digits and '-', at most 20 characters, not starting or ending with '-'"
    case .noNodeIP: "the sandbox needs a node IP: give --node-ip, or a Node object for --hostname-override"
    case .tooManyPods(let n): "the input has \(n) endpoint addresses; a sandbox holds at most \(SandboxPlan.maxPods) pod namespaces"
    case .exists(let n): "sandbox \(n) exists already (kproxy sandbox down --name \(n) removes it)"
    case .notFound(let n): "no sandbox \(n) (no \(SandboxNames.statePath(n)))"
    case .unknownMember(let s, let who):
      "sandbox \(s) has no \(who): give node, outside, client, client6 or the IP of one of its pods"
    case .command(let args, let status, let stderr):
      "`\(args.joined(separator: " "))` exited with status \(status)\(stderr.isEmpty ? "" : ": \(stderr.trimmingCharacters(in: .whitespacesAndNewlines))")"
    }
  }
}

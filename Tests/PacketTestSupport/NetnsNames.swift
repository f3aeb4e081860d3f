// Names of the packet tests' network namespaces ("kpp-<pid>-<n>-<role>", apart from the
// kernel-load tests' "kpt-"), and the guard deleting those of a test process that has exited.
import Foundation
import Synchronization

public enum NamespaceNames {
  public static let marker = "kpp"
  /// Topologies made by this process so far: the pid and this number name a topology uniquely
  /// (a random suffix collided now and then when many tests ran at once).
  private static let made = Atomic<Int>(0)

  /// A prefix unique to one topology of this process.
  public static func newPrefix() -> String {
    let n = made.add(1, ordering: .relaxed).newValue
    return "\(marker)-\(getpid())-\(n)"
  }

  /// Every namespace on the machine whose name starts with `prefix`.
  public static func existing(withPrefix prefix: String) -> [String] {
    guard let result = try? Command.run(["ip", "netns", "list"]) else { return [] }
    return result.lines.compactMap { $0.split(separator: " ").first.map(String.init) }.filter { $0.hasPrefix(prefix) }
  }

  /// The pid recorded in a packet-test namespace name, or nil for a foreign name.
  public static func ownerPid(of name: String) -> Int32? {
    let parts = name.split(separator: "-")
    guard parts.count >= 3, parts[0] == marker else { return nil }
    return Int32(parts[1])
  }

  /// Kills the processes inside `name` and deletes it; succeeds when it is already gone.
  public static func delete(_ name: String) {
    if let pids = try? Command.run(["ip", "netns", "pids", name], timeout: 10) {
      for pid in pids.lines.compactMap({ Int32($0.trimmingCharacters(in: .whitespaces)) }) {
        kill(pid, SIGKILL)
      }
    }
    _ = try? Command.run(["ip", "netns", "del", name], timeout: 10)
  }

  /// Deletes packet-test namespaces whose owning test process has exited (a crashed run).
  public static func removeStale() {
    for name in existing(withPrefix: marker + "-") {
      guard let pid = ownerPid(of: name), pid != getpid() else { continue }
      if kill(pid, 0) != 0 && errno == ESRCH { delete(name) }
    }
  }
}

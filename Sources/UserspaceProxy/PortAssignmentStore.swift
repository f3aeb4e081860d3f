// The state file that keeps `--port-range` assignments across restarts: one line per service
// port, `namespace/name:port/PROTO PORT`, written to a temporary file and renamed into place.
import Foundation

/// Reads and writes PortAssignments at `path` (`<state-dir>/port-assignments`).
public struct PortAssignmentStore: Sendable {
  public let path: String

  public init(path: String) { self.path = path }

  /// `<dir>/port-assignments`.
  public init(directory: String) { self.init(path: (directory as NSString).appendingPathComponent("port-assignments")) }

  /// The default state directory: /var/lib/kproxy as root, else `$XDG_STATE_HOME/kproxy`
  /// (`~/.local/state/kproxy` without it).
  public static func defaultDirectory(isRoot: Bool, environment: [String: String]) -> String {
    if isRoot { return "/var/lib/kproxy" }
    if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") { return state + "/kproxy" }
    return (environment["HOME"] ?? NSHomeDirectory()) + "/.local/state/kproxy"
  }

  /// The saved assignments; none when the file does not exist. Lines that do not parse are
  /// skipped (a damaged file costs stability, never the start).
  public func load() -> PortAssignments {
    guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return PortAssignments() }
    var out = PortAssignments()
    for line in text.split(separator: "\n") {
      guard let space = line.lastIndex(of: " "), let port = Int(line[line.index(after: space)...]), (1...65535).contains(port)
      else { continue }
      out.ports[String(line[..<space])] = port
    }
    return out
  }

  /// Writes `assignments` (sorted lines) when they differ from the file; creates the directory.
  public func save(_ assignments: PortAssignments) throws {
    if load() == assignments, FileManager.default.fileExists(atPath: path) { return }
    let dir = (path as NSString).deletingLastPathComponent
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let text = assignments.ports.keys.sorted().map { "\($0) \(assignments.ports[$0]!)\n" }.joined()
    let temporary = path + ".tmp"
    try Data(text.utf8).write(to: URL(fileURLWithPath: temporary))
    guard rename(temporary, path) == 0 else {
      throw CocoaError(
        .fileWriteUnknown, userInfo: [NSFilePathErrorKey: path, NSLocalizedDescriptionKey: String(cString: strerror(errno))])
    }
  }
}

// A sandbox's saved state (/run/kproxy/sandbox/NAME.json): its plan, how the node is programmed
// and the processes `up` started, so that `check`, `exec` and `down` work from any later process.
import Foundation

public struct SandboxState: Sendable, Hashable, Codable {
  public enum Programming: String, Sendable, Hashable, Codable {
    /// The ruleset was applied once through netlink.
    case netlink
    /// `kproxy run` keeps the node in step with the manifests.
    case agent
  }
  public var plan: SandboxPlan
  public var programming: Programming
  /// The manifests the node was programmed from.
  public var manifests: [String]
  /// Processes started by `up` (echo servers, the agent); `down` also finds them by namespace.
  public var pids: [Int32]

  public init(plan: SandboxPlan, programming: Programming, manifests: [String], pids: [Int32] = []) {
    self.plan = plan
    self.programming = programming
    self.manifests = manifests
    self.pids = pids
  }

  public func save() throws {
    try FileManager.default.createDirectory(atPath: SandboxNames.stateDirectory, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    try encoder.encode(self).write(to: URL(fileURLWithPath: SandboxNames.statePath(plan.name)), options: .atomic)
  }

  public static func load(_ name: String) throws -> SandboxState {
    try SandboxNames.validate(name)
    guard let data = FileManager.default.contents(atPath: SandboxNames.statePath(name)) else { throw SandboxError.notFound(name) }
    return try JSONDecoder().decode(SandboxState.self, from: data)
  }
}

// The third way a topology's node gets its rules: a running `kproxy run --netns NODE --manifests
// DIR`, whose folder each load rewrites (one file, renamed into place); a load returns once the
// agent has committed the sync that the new file caused.
import Foundation

final class AgentProgrammer {
  private let folder: URL
  private var agent: AgentProcess?
  private var nodeArguments: [String] = []
  private var lastText: String?

  init(prefix: String) {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-agent-manifests")
  }

  /// Programs `node` with `cluster` through the agent: starts it on the first load (or when the
  /// node options change), else rewrites its folder and waits for the sync the change causes.
  func load(_ cluster: CompiledCluster, node: String) throws {
    let text = cluster.manifests.map(\.yaml).joined(separator: "\n---\n")
    if agent == nil || cluster.nodeArguments != nodeArguments {
      agent?.kill()
      try? FileManager.default.removeItem(at: folder)
      try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
      try write(text)
      let started = try AgentProcess.start(node: node, sources: ["--manifests", folder.path], nodeArguments: cluster.nodeArguments)
      agent = started
      nodeArguments = cluster.nodeArguments
      try started.waitForFirstSync()
      return
    }
    guard let agent, text != lastText else { return }
    let before = agent.syncLines.count
    try write(text)
    try agent.waitForLog("the sync of the rewritten manifests") { _ in agent.syncLines.count > before }
  }

  /// Writes the cluster as one file renamed into place: one inotify event, one sync.
  private func write(_ text: String) throws {
    let staging = folder.deletingLastPathComponent().appendingPathComponent(folder.lastPathComponent + ".tmp")
    try text.write(to: staging, atomically: false, encoding: .utf8)
    let target = folder.appendingPathComponent("cluster.yaml")
    guard rename(staging.path, target.path) == 0 else {
      throw CommandFailure(description: "rename \(staging.path) → \(target.path): errno \(errno)")
    }
    lastText = text
  }

  /// Stops the agent (its rules stay in the node namespace, which the topology deletes).
  func stop() {
    agent?.kill()
    agent = nil
    try? FileManager.default.removeItem(at: folder)
  }
}

// Whether the packet tests can run here: root and the ip, nft and python3 tools. Without root
// they fail with a clear message, unless KPROXY_SKIP_NETNS=1 (unprivileged machines) skips them.
import Foundation

public enum PacketTestPrerequisites {
  /// True when the packet tests should be skipped: only when not root and explicitly asked.
  public static var skipRequested: Bool {
    getuid() != 0 && ProcessInfo.processInfo.environment["KPROXY_SKIP_NETNS"] == "1"
  }

  public static var shouldRun: Bool { !skipRequested }

  /// Throws a clear error when the packet tests cannot run on this machine.
  public static func require() throws {
    if getuid() != 0 {
      throw CommandFailure(
        description:
          "packet tests need root (network namespaces, nftables); run as root, or set KPROXY_SKIP_NETNS=1 to skip them on an unprivileged machine"
      )
    }
    if let missingTool { throw CommandFailure(description: "packet tests need `\(missingTool)` in PATH") }
  }

  /// The first required tool that is not installed (looked up once per test process).
  private static let missingTool: String? = ["ip", "nft", "python3", "sysctl"].first { tool in
    (try? Command.run(["sh", "-c", "command -v \(tool)"]))?.status != 0
  }
}

// Where the packet tests find things: the package root and its fixtures (from this file's
// path) and the `kproxy` executable built next to the test bundle.
import Foundation

public enum PacketTestPaths {
  /// The package root: three levels above Tests/kproxyTests/<file>.swift.
  public static let packageRoot: URL = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  public static let echoServer = packageRoot.appendingPathComponent("fixtures/tools/echo.py").path
  public static let client = packageRoot.appendingPathComponent("fixtures/tools/client.py").path

  /// The `kproxy` binary of this build: beside the test bundle (`.build/<config>/`), whether
  /// the bundle is an executable (Linux) or an .xctest folder (macOS); KPROXY_BIN overrides.
  public static func kproxyBinary() throws -> String {
    if let explicit = ProcessInfo.processInfo.environment["KPROXY_BIN"] { return explicit }
    let bundle = Bundle.main.bundleURL
    let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    let candidates = [
      argument0.deletingLastPathComponent(),
      bundle,
      bundle.deletingLastPathComponent(),
      argument0.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent(),
    ].map { $0.appendingPathComponent("kproxy").path }
    for path in candidates where FileManager.default.isExecutableFile(atPath: path) {
      return path
    }
    throw CommandFailure(description: "kproxy binary not found; looked at \(candidates.joined(separator: ", "))")
  }
}

// A throwaway folder for loader tests: created under the system temporary directory, filled
// with manifest files, removed when the test is done.
import Foundation

final class TemporaryFolder {
  let path: String

  init() throws {
    path = NSTemporaryDirectory() + "kproxy-kubeapi-tests-" + UUID().uuidString
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
  }

  deinit { try? FileManager.default.removeItem(atPath: path) }

  /// Writes `text` to `relativePath` (creating folders) and returns the full path.
  @discardableResult
  func write(_ relativePath: String, _ text: String) throws -> String {
    let full = path + "/" + relativePath
    try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
    try text.write(toFile: full, atomically: true, encoding: .utf8)
    return full
  }
}

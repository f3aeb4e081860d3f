// stdout/stderr for the commands: every write is checked (a full disk, a closed descriptor, a
// reader that went away are errors, never a crash); the whole text goes out in large writes.
import NFTNetlink
import Synchronization

/// A write to standard output or standard error failed.
struct OutputError: Error, CustomStringConvertible {
  var stream: String
  var failure: DescriptorWriteError
  var description: String { "cannot write to \(stream): \(failure)" }
}

/// The process's stdout and stderr. Nothing reaches stdout unless a command succeeds.
enum Output {
  static func write(_ text: String) throws(OutputError) {
    do {
      try DescriptorWriter.standardOutput.write(text)
    } catch {
      throw OutputError(stream: "standard output", failure: error)
    }
  }

  static func debug(_ text: String) throws(OutputError) { try writeError("kproxy: debug: \(text)") }

  /// Warnings already printed: each is printed once per run, also when a command compiles two
  /// states (`diff`) that share an object.
  private static let warned = Mutex<Set<String>>([])

  static func warn(_ text: String) throws(OutputError) {
    guard warned.withLock({ $0.insert(text).inserted }) else { return }
    try writeError("kproxy: warning: \(text)")
  }

  /// `text` on stderr, with a final newline.
  static func writeError(_ text: String) throws(OutputError) {
    do {
      try DescriptorWriter.standardError.write(text.hasSuffix("\n") ? text : text + "\n")
    } catch {
      throw OutputError(stream: "standard error", failure: error)
    }
  }

  /// An error message on stderr, as well as stderr allows: when it cannot be written, the exit
  /// status is all that is left to tell.
  static func error(_ text: String) {
    try? writeError("kproxy: error: \(text)")
  }
}

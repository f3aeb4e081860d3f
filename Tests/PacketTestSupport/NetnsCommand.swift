// Runs external programs for the packet tests: a command with a deadline and its captured
// output, and long-running background processes that are stopped by pid.
import Foundation

public struct CommandFailure: Error, CustomStringConvertible {
  public var description: String
  public init(description: String) { self.description = description }
}

/// The outcome of a finished command.
public struct CommandResult {
  public var arguments: [String]
  public var status: Int32
  public var stdout: String
  public var stderr: String
  public var timedOut: Bool

  public init(arguments: [String], status: Int32, stdout: String, stderr: String, timedOut: Bool) {
    self.arguments = arguments
    self.status = status
    self.stdout = stdout
    self.stderr = stderr
    self.timedOut = timedOut
  }

  public var lines: [String] { stdout.split(separator: "\n").map(String.init) }

  /// Throws unless the command exited 0 in time.
  @discardableResult
  public func check() throws -> CommandResult {
    if timedOut || status != 0 {
      throw CommandFailure(
        description: "`\(arguments.joined(separator: " "))` \(timedOut ? "timed out" : "exited \(status)"): \(stderr)\(stdout)")
    }
    return self
  }
}

public enum Command {
  /// Writing to a child that already exited must fail that write, not kill the test process.
  private static let ignoreBrokenPipes: Void = { _ = signal(SIGPIPE, SIG_IGN) }()

  /// Runs `arguments` (arguments[0] looked up in PATH) and waits at most `timeout` seconds;
  /// output goes to temporary files, so that a chatty command can never block on a pipe.
  public static func run(_ arguments: [String], timeout: Double = 30) throws -> CommandResult {
    Self.ignoreBrokenPipes
    let dir = FileManager.default.temporaryDirectory
    let id = UUID().uuidString
    let outURL = dir.appendingPathComponent("kp-cmd-\(id).out")
    let errURL = dir.appendingPathComponent("kp-cmd-\(id).err")
    FileManager.default.createFile(atPath: outURL.path, contents: nil)
    FileManager.default.createFile(atPath: errURL.path, contents: nil)
    defer {
      try? FileManager.default.removeItem(at: outURL)
      try? FileManager.default.removeItem(at: errURL)
    }
    let out = try FileHandle(forWritingTo: outURL)
    let err = try FileHandle(forWritingTo: errURL)
    defer {
      try? out.close()
      try? err.close()
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let deadline = Date().addingTimeInterval(timeout)
    var timedOut = false
    while process.isRunning {
      if Date() > deadline {
        timedOut = true
        kill(process.processIdentifier, SIGKILL)
        break
      }
      usleep(2_000)
    }
    process.waitUntilExit()
    let stdout = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
    let stderr = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
    return CommandResult(arguments: arguments, status: process.terminationStatus, stdout: stdout, stderr: stderr, timedOut: timedOut)
  }

  /// Runs `arguments` and throws unless it succeeds.
  @discardableResult
  public static func must(_ arguments: [String], timeout: Double = 30) throws -> CommandResult {
    try run(arguments, timeout: timeout).check()
  }

  /// Starts `arguments` in the background with output discarded; the caller stops it.
  public static func spawn(_ arguments: [String]) throws -> Process {
    Self.ignoreBrokenPipes
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = arguments
    process.standardInput = FileHandle.nullDevice
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }
}

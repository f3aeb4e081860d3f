// Runs the real kubectl (/usr/bin/kubectl) against the test API server: one-shot commands,
// and `get -w` read until it has printed a number of lines.
import Foundation

struct KubectlResult {
  var status: Int32
  var stdout: String
  var stderr: String
}

struct Kubectl {
  let kubeconfig: String

  /// Runs `kubectl ARGS` with `stdin` and waits (at most 60 s).
  func run(_ arguments: [String], stdin: String? = nil) throws -> KubectlResult {
    let process = makeProcess(arguments)
    let output = Pipe()
    let errors = Pipe()
    let input = Pipe()
    process.standardOutput = output
    process.standardError = errors
    process.standardInput = input
    try process.run()
    if let stdin { input.fileHandleForWriting.write(Data(stdin.utf8)) }
    try input.fileHandleForWriting.close()
    let killer = DispatchWorkItem { process.terminate() }
    DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: killer)
    let errorData = ReadAll(errors.fileHandleForReading)
    let out = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    killer.cancel()
    return KubectlResult(
      status: process.terminationStatus, stdout: String(decoding: out, as: UTF8.self),
      stderr: String(decoding: errorData.wait(), as: UTF8.self))
  }

  /// Starts `kubectl ARGS` (a watch); `lines(count)` then reads its output.
  func start(_ arguments: [String]) throws -> RunningKubectl {
    let process = makeProcess(arguments)
    let output = Pipe()
    process.standardOutput = output
    process.standardError = FileHandle.nullDevice
    try process.run()
    return RunningKubectl(process: process, output: output.fileHandleForReading)
  }

  private func makeProcess(_ arguments: [String]) -> Process {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/kubectl")
    process.arguments = ["--kubeconfig", kubeconfig] + arguments
    var environment = ProcessInfo.processInfo.environment
    environment["HOME"] = NSTemporaryDirectory()  // kubectl's discovery cache goes to $HOME/.kube
    environment["KUBECACHEDIR"] = NSTemporaryDirectory() + "kproxy-kubectl-cache-\(getpid())"
    process.environment = environment
    return process
  }
}

/// A kubectl process whose output is read line by line.
final class RunningKubectl: @unchecked Sendable {
  let process: Process
  let output: FileHandle
  private var buffer = Data()

  init(process: Process, output: FileHandle) {
    self.process = process
    self.output = output
  }

  /// Reads until `count` lines have been printed (or `timeout` seconds pass), then kills kubectl.
  func lines(_ count: Int, timeout: Double = 30) -> [String] {
    let killer = DispatchWorkItem { [process] in process.terminate() }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    var lines: [String] = []
    while lines.count < count {
      let chunk = output.availableData
      if chunk.isEmpty { break }
      buffer.append(chunk)
      while let newline = buffer.firstIndex(of: UInt8(ascii: "\n")) {
        lines.append(String(decoding: buffer[buffer.startIndex..<newline], as: UTF8.self))
        buffer.removeSubrange(buffer.startIndex...newline)
      }
    }
    killer.cancel()
    if process.isRunning { process.terminate() }
    process.waitUntilExit()
    return lines
  }
}

/// Reads a pipe to its end on another thread (so that a full stderr pipe cannot block the process).
final class ReadAll: @unchecked Sendable {
  private var data = Data()
  private let done = DispatchSemaphore(value: 0)

  init(_ handle: FileHandle) {
    DispatchQueue.global().async {
      self.data = handle.readDataToEndOfFile()
      self.done.signal()
    }
  }

  func wait() -> Data {
    done.wait()
    return data
  }
}

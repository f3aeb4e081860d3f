// Runs a program (such as `nft -f -`) with posix_spawn: text on its stdin, its stderr captured,
// its exit status; no Foundation.Process, so no run loop and no sockets of kproxy's own.
import Foundation

/// How a child program ended.
public struct ChildOutcome: Sendable, Hashable {
  /// The exit status, or 128 + signal number when a signal ended it.
  public var status: Int32
  /// What it wrote to standard error.
  public var standardError: String
}

/// Starting or waiting for a child program failed.
public struct ChildProcessError: Error, Sendable, Hashable, CustomStringConvertible {
  public var operation: String
  public var errno: Int32
  public var description: String { "\(operation): \(NetlinkError.describe(errno: errno))" }
}

public enum ChildProcess {
  /// Runs `arguments` (the first is looked up in PATH), writes `input` to its standard input,
  /// and waits. Its stdout goes to /dev/null, its stderr to an unnamed temporary file (so a
  /// chatty child can never block on a full pipe). A child that exits before reading all of
  /// `input` is reported by its status and stderr, not by the EPIPE of the write.
  public static func run(_ arguments: [String], input: String) throws(ChildProcessError) -> ChildOutcome {
    var pipeEnds: [Int32] = [-1, -1]
    guard pipe(&pipeEnds) == 0 else { throw ChildProcessError(operation: "pipe", errno: errno) }
    for end in pipeEnds { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
    let readEnd = pipeEnds[0]
    let writeEnd = pipeEnds[1]
    var readEndOpen = true
    var writeEndOpen = true
    defer {
      if readEndOpen { close(readEnd) }
      if writeEndOpen { close(writeEnd) }
    }
    guard let errorFile = tmpfile() else { throw ChildProcessError(operation: "create a temporary file", errno: errno) }
    defer { fclose(errorFile) }
    let nullDevice = open("/dev/null", O_WRONLY | O_CLOEXEC)
    guard nullDevice >= 0 else { throw ChildProcessError(operation: "open /dev/null", errno: errno) }
    defer { close(nullDevice) }

    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_adddup2(&actions, readEnd, STDIN_FILENO)
    posix_spawn_file_actions_adddup2(&actions, nullDevice, STDOUT_FILENO)
    posix_spawn_file_actions_adddup2(&actions, fileno(errorFile), STDERR_FILENO)
    // The child starts with default signal handling (kproxy itself ignores SIGPIPE).
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var defaults = sigset_t()
    sigemptyset(&defaults)
    sigaddset(&defaults, SIGPIPE)
    posix_spawnattr_setsigdefault(&attributes, &defaults)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF))

    let argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
    defer { for a in argv { free(a) } }
    var pid: pid_t = 0
    let spawned = posix_spawnp(&pid, arguments[0], &actions, &attributes, argv, environ)
    guard spawned == 0 else { throw ChildProcessError(operation: "start \(arguments[0])", errno: spawned) }
    close(readEnd)
    readEndOpen = false

    let writeFailure = withSIGPIPEBlocked { DescriptorWriter(descriptor: writeEnd).writeAllOrErrno(input) }
    close(writeEnd)
    writeEndOpen = false
    _ = writeFailure  // EPIPE: the child stopped reading; its status and stderr say why.

    var raw: Int32 = 0
    while waitpid(pid, &raw, 0) < 0 {
      guard errno == EINTR else { throw ChildProcessError(operation: "wait for \(arguments[0])", errno: errno) }
    }
    let status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
    return ChildOutcome(status: status, standardError: readAll(errorFile))
  }

  /// Runs `body` with SIGPIPE blocked on this thread and drops a SIGPIPE it raised, so that a
  /// reader going away is an EPIPE even in a process that does not ignore SIGPIPE (a test runner).
  static func withSIGPIPEBlocked<R>(_ body: () -> R) -> R {
    var pipeOnly = sigset_t()
    sigemptyset(&pipeOnly)
    sigaddset(&pipeOnly, SIGPIPE)
    var pendingBefore = sigset_t()
    sigpending(&pendingBefore)
    var old = sigset_t()
    pthread_sigmask(SIG_BLOCK, &pipeOnly, &old)
    let result = body()
    var pending = sigset_t()
    sigpending(&pending)
    if sigismember(&pending, SIGPIPE) == 1 && sigismember(&pendingBefore, SIGPIPE) == 0 {
      var zero = timespec(tv_sec: 0, tv_nsec: 0)
      _ = sigtimedwait(&pipeOnly, nil, &zero)
    }
    pthread_sigmask(SIG_SETMASK, &old, nil)
    return result
  }

  /// The whole content of `file`, from its start.
  static func readAll(_ file: UnsafeMutablePointer<FILE>) -> String {
    fflush(file)
    rewind(file)
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 4096)
    while true {
      let n = fread(&chunk, 1, chunk.count, file)
      if n <= 0 { break }
      bytes += chunk[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
  }
}

extension DescriptorWriter {
  /// Writes all of `text`; the errno of the failed write, or nil.
  func writeAllOrErrno(_ text: String) -> Int32? {
    var copy = text
    return copy.withUTF8 { writeAll(UnsafeRawBufferPointer($0)) }
  }
}

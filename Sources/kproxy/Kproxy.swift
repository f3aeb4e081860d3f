// The `kproxy` root command and the process entry point: SIGPIPE is ignored (a reader going away
// is a write error), every failure is printed to stderr with the exit status of ExitStatus.
import ArgumentParser
import Foundation

struct Kproxy: ParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "kproxy",
    abstract: "A Kubernetes service proxy: Services and endpoints to nftables.",
    discussion: """
      Exit status: 0 success; 1 `diff` found a difference; 2 error (for `apply` and `cleanup`: \
      nothing was changed); 3 `apply` or `cleanup` changed the kernel's tables but could not \
      write its report (stdout or stderr failed, e.g. a full disk or a closed pipe).
      """,
    version: "kproxy \(version)",
    subcommands: [
      CompileCommand.self, DiffCommand.self, ApplyCommand.self, CleanupCommand.self, RunCommand.self, ProxyCommand.self,
      TraceCommand.self, StatusCommand.self, SandboxCommand.self, RecordCommand.self, ReplayCommand.self,
    ])
}

/// The exit statuses kproxy uses (documented in `kproxy --help` and README.md).
enum ExitStatus {
  static let success: Int32 = 0
  /// `diff`: the two states differ.
  static let different: Int32 = 1
  /// Any error; for `apply` and `cleanup`, the kernel was not changed.
  static let failure: Int32 = 2
  /// `apply`/`cleanup` committed its transaction, then failed to write its report.
  static let committedButUnreported: Int32 = 3
}

@main
enum Main {
  static func main() {
    // A closed pipe on stdout or stderr becomes EPIPE from write(2), reported like any error.
    signal(SIGPIPE, SIG_IGN)
    do {
      var command = try Kproxy.parseAsRoot()
      try command.run()
    } catch let code as ExitCode {
      exit(code.rawValue)
    } catch let e as UserError {
      Output.error(e.description)
      exit(ExitStatus.failure)
    } catch let e as OutputError {
      Output.error(e.description)
      exit(ExitStatus.failure)
    } catch {
      let code = Kproxy.exitCode(for: error)
      if code == .success {
        // --help, --version: ArgumentParser's message goes to stdout.
        do {
          try Output.write(Kproxy.fullMessage(for: error) + "\n")
        } catch {
          Output.error(error.description)
          exit(ExitStatus.failure)
        }
        exit(ExitStatus.success)
      }
      // ArgumentParser's message already reads "Error: ..." followed by the usage line.
      try? Output.writeError(Kproxy.fullMessage(for: error))
      exit(ExitStatus.failure)
    }
  }
}

// The `kproxy` root command and the process entry point: every failure is printed to stderr
// and exits with status 2 (usage errors included); stdout stays empty on error.
import ArgumentParser
import Foundation

struct Kproxy: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "kproxy",
    abstract: "A Kubernetes service proxy: Services and endpoints to nftables.",
    subcommands: [CompileCommand.self, DiffCommand.self])
}

@main
enum Main {
  static func main() {
    do {
      var command = try Kproxy.parseAsRoot()
      try command.run()
    } catch let code as ExitCode {
      exit(code.rawValue)
    } catch let e as UserError {
      Output.error(e.description)
      exit(2)
    } catch {
      let code = Kproxy.exitCode(for: error)
      if code == .success {
        // --help, --version: ArgumentParser's message goes to stdout.
        Output.write(Kproxy.fullMessage(for: error) + "\n")
        exit(0)
      }
      // ArgumentParser's message already reads "Error: ..." followed by the usage line.
      Output.writeError(Kproxy.fullMessage(for: error))
      exit(2)
    }
  }
}

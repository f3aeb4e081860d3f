// Running the system tools a sandbox is built with (`ip`, `sysctl`, `nft`), each a checked
// command whose failure names the command line and its error output.
import Foundation

public enum SandboxShell {
  /// Runs `args` (argv[0] looked up in /usr/sbin, /usr/bin, /sbin, /bin), optionally with `input` on stdin.
  @discardableResult
  public static func run(_ args: [String], input: String? = nil, check: Bool = true) throws(SandboxError) -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: locate(args[0]))
    p.arguments = Array(args.dropFirst())
    let out = Pipe()
    let err = Pipe()
    let inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = input == nil ? FileHandle.nullDevice : inp
    do {
      try p.run()
    } catch {
      throw .command(args, status: -1, stderr: "\(error)")
    }
    if let input {
      try? inp.fileHandleForWriting.write(contentsOf: Data(input.utf8))
      try? inp.fileHandleForWriting.close()
    }
    // Read both pipes to the end before waiting, so that a chatty command cannot block.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    if check && p.terminationStatus != 0 {
      throw .command(args, status: p.terminationStatus, stderr: String(decoding: errData, as: UTF8.self))
    }
    return String(decoding: outData, as: UTF8.self)
  }

  static func locate(_ tool: String) -> String {
    if tool.hasPrefix("/") { return tool }
    for dir in ["/usr/sbin", "/usr/bin", "/sbin", "/bin"] where FileManager.default.isExecutableFile(atPath: "\(dir)/\(tool)") {
      return "\(dir)/\(tool)"
    }
    return "/usr/bin/\(tool)"
  }

  /// Runs `ip` commands inside `namespace` in one process (`ip -n NS -batch -`).
  static func ipBatch(_ namespace: String, _ commands: [String]) throws(SandboxError) {
    try run(["ip", "-n", namespace, "-batch", "-"], input: commands.joined(separator: "\n") + "\n")
  }

  /// The network namespaces `ip netns` knows.
  static func namespaces() -> [String] {
    let out = (try? run(["ip", "netns", "list"])) ?? ""
    return out.split(separator: "\n").compactMap { $0.split(separator: " ").first.map(String.init) }
  }
}

// Running out of file descriptors: the proxy (proxy-server-bench in a child process whose
// RLIMIT_NOFILE prlimit lowered to 64) hits EMFILE on accept, backs off, survives, serves again.
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing

@testable import UserspaceProxy

private func benchBinary() throws -> String {
  let argument0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
  let candidates = [argument0.deletingLastPathComponent(), Bundle.main.bundleURL, Bundle.main.bundleURL.deletingLastPathComponent()]
    .map { $0.appendingPathComponent("proxy-server-bench").path }
  for path in candidates where FileManager.default.isExecutableFile(atPath: path) { return path }
  throw TestTimeout(description: "proxy-server-bench not built; looked at \(candidates)")
}

/// A port free on `host` right now (bound and released).
private func freePort(_ host: String) async throws -> Int {
  let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: host, port: 0).get()
  let port = channel.localAddress!.port!
  try await channel.close()
  return port
}

extension RealSocketTests {
  @Suite(.timeLimit(.minutes(1))) struct FileLimitTests {
    @Test func acceptFailuresFromTheFileLimitAreSurvived() async throws {
      let backend = try await TCPIdentifyBackend(host: "127.0.0.2")
      let port = try await freePort("127.0.0.8")
      let process = Process()
      process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
      process.arguments = ["--nofile=64:64", "--", try benchBinary(), "127.0.0.8:\(port)", "\(backend.endpoint)"]
      let stderr = Pipe()
      process.standardError = stderr
      let log = NIOLockedValueBox("")
      stderr.fileHandleForReading.readabilityHandler = { handle in
        let text = String(decoding: handle.availableData, as: UTF8.self)
        log.withLockedValue { $0 += text }
      }
      try process.run()
      defer {
        stderr.fileHandleForReading.readabilityHandler = nil
        if process.isRunning { process.terminate() }
      }
      try await eventually("the child to listen") { log.withLockedValue { $0.contains("listening") } }
      let address = try SocketAddress(ipAddress: "127.0.0.8", port: port)

      var held: [TestClient] = []
      for _ in 0..<60 { held.append(try await TestClient(to: address)) }
      try await eventually("accept to fail with EMFILE") { log.withLockedValue { $0.contains("acceptFailed") } }
      #expect(log.withLockedValue { $0.contains("Too many open files") })
      #expect(process.isRunning)
      let served = { held.filter { $0.received.text.hasPrefix(backend.name) }.count }
      try await eventually("the connections that fit to be served") { served() > 0 }
      #expect(served() < 60, "the rest wait in the backlog or are refused: \(served())")

      for client in held { await client.close() }
      try await eventually("the proxy to serve again", seconds: 10) {
        let client = try await TestClient(to: address)
        defer { Task { await client.close() } }
        return (try? await client.firstLine(seconds: 2)) == backend.name
      }
      #expect(process.isRunning)
      process.terminate()
      process.waitUntilExit()
      await backend.close()
    }
  }
}

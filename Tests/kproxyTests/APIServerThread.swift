// Runs a blocking test body against a fresh test API server: the body runs on a thread of its
// own, not on one of the few threads of the concurrency pool that other async tests need, and
// the server is shut down whatever the body does.
import Foundation
import KubeTestServer

enum APIServerThread {
  static func run(_ body: @escaping @Sendable (KubeTestServer) throws -> Void) async throws {
    let server = try await KubeTestServer.start()
    do {
      try await withCheckedThrowingContinuation { (done: CheckedContinuation<Void, Error>) in
        Thread {
          do {
            try body(server)
            done.resume()
          } catch {
            done.resume(throwing: error)
          }
        }.start()
      }
    } catch {
      try? await server.shutdown()
      throw error
    }
    try await server.shutdown()
  }
}

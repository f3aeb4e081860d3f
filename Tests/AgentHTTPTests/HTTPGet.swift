// A GET over a real socket for the HTTP tests (async-http-client), returning status, headers and body.
import AsyncHTTPClient
import NIOCore
import NIOHTTP1

struct HTTPAnswer {
  var status: Int
  var headers: HTTPHeaders
  var body: String
}

enum HTTPGet {
  /// GETs `url` on a fresh connection (no pooling between calls, so closed listeners show as refused).
  static func get(_ url: String) async throws -> HTTPAnswer {
    var configuration = HTTPClient.Configuration()
    configuration.connectionPool = .init(idleTimeout: .milliseconds(1), concurrentHTTP1ConnectionsPerHostSoftLimit: 1)
    configuration.timeout.connect = .milliseconds(300)
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    do {
      var request = HTTPClientRequest(url: url)
      request.headers.add(name: "Connection", value: "close")
      let response = try await client.execute(request, timeout: .seconds(5))
      let body = try await response.body.collect(upTo: 16 * 1024 * 1024)
      try await client.shutdown()
      return HTTPAnswer(status: Int(response.status.code), headers: response.headers, body: String(buffer: body))
    } catch {
      try? await client.shutdown()
      throw error
    }
  }
}

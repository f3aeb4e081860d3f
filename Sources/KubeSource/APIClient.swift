// HTTP to one API server through async-http-client: TLS from the ClusterConnection (CA, client
// certificate, insecure mode), the bearer token on every request, whole-body GETs and streamed watches.
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// A failed request: an HTTP status other than 2xx (with the Status message and Retry-After) or a transport error.
public struct APIError: Error, CustomStringConvertible, Sendable {
  /// The HTTP status, nil for a transport error (connection refused, reset, TLS failure).
  public var status: Int?
  public var reason: String?
  public var message: String
  /// Seconds from the Retry-After header.
  public var retryAfter: Double?

  public var description: String {
    if let status { return "HTTP \(status)\(reason.map { " \($0)" } ?? ""): \(message)" }
    return message
  }

  /// 410 Gone / Expired: the resourceVersion or continue token is too old; relist.
  public var isGone: Bool { status == 410 }
}

/// The API server client; `shutdown()` when done.
public final class APIClient: Sendable {
  public let connection: ClusterConnection
  private let http: HTTPClient
  private let tokens: TokenReader
  /// The largest response body or watch event read, in bytes.
  static let maxBodyBytes = 512 * 1024 * 1024

  /// `connectTimeout`: seconds to establish a connection (TCP and TLS; failed attempts are retried within it).
  public init(connection: ClusterConnection, connectTimeout: Double = 10) throws {
    self.connection = connection
    tokens = TokenReader(connection.credentials)
    var configuration = HTTPClient.Configuration()
    if connection.server.hasPrefix("https:") {
      var tls = TLSConfiguration.makeClientConfiguration()
      if let ca = connection.certificateAuthority {
        do {
          tls.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(ca))
        } catch {
          throw ConnectionConfigError("certificate-authority: not a PEM certificate bundle: \(error)")
        }
      }
      if connection.insecureSkipTLSVerify { tls.certificateVerification = .none }
      if let certificate = connection.credentials.clientCertificate, let key = connection.credentials.clientKey {
        do {
          tls.certificateChain = try NIOSSLCertificate.fromPEMBytes(certificate).map { .certificate($0) }
          tls.privateKey = .privateKey(try NIOSSLPrivateKey(bytes: key, format: .pem))
        } catch {
          throw ConnectionConfigError("client-certificate/client-key: not a PEM certificate and key: \(error)")
        }
      }
      configuration.tlsConfiguration = tls
    }
    configuration.timeout.connect = .milliseconds(Int64(connectTimeout * 1000))
    http = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
  }

  public func shutdown() async throws { try await http.shutdown() }

  /// GETs `path` with `query` and returns the whole body; throws APIError for non-2xx answers.
  public func get(_ path: String, query: [(String, String)] = [], timeout: Double = 60) async throws -> ByteBuffer {
    let response = try await start(path, query: query, deadline: .now() + .milliseconds(Int64(timeout * 1000)))
    do {
      return try await response.body.collect(upTo: Self.maxBodyBytes)
    } catch {
      throw APIError(message: "reading \(path): \(error)")
    }
  }

  /// Sends any request with a JSON body (for tools and tests); returns status and body.
  public func send(_ method: HTTPMethod, _ path: String, json: [UInt8]? = nil) async throws -> (Int, ByteBuffer) {
    var request = HTTPClientRequest(url: connection.server + path)
    request.method = method
    try addHeaders(&request)
    if let json {
      request.headers.add(name: "Content-Type", value: "application/json")
      request.body = .bytes(ByteBuffer(bytes: json))
    }
    let response = try await http.execute(request, timeout: .seconds(60))
    return (Int(response.status.code), try await response.body.collect(upTo: Self.maxBodyBytes))
  }

  /// Opens a GET whose body is read as a stream (a watch); throws APIError for non-2xx answers.
  func start(_ path: String, query: [(String, String)], deadline: NIODeadline) async throws -> HTTPClientResponse {
    var components = URLComponents()
    components.queryItems = query.map { URLQueryItem(name: $0.0, value: $0.1) }
    // URLComponents leaves "+" alone; the server would read it as a space.
    let queryText = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B") ?? ""
    var request = HTTPClientRequest(url: connection.server + path + (queryText.isEmpty ? "" : "?" + queryText))
    try addHeaders(&request)
    let response: HTTPClientResponse
    do {
      response = try await http.execute(request, deadline: deadline)
    } catch {
      throw APIError(message: "GET \(path): \(error)")
    }
    guard (200..<300).contains(response.status.code) else {
      let body = try? await response.body.collect(upTo: 1024 * 1024)
      throw Self.failure(response, body: body, path: path)
    }
    return response
  }

  private func addHeaders(_ request: inout HTTPClientRequest) throws {
    request.headers.add(name: "Accept", value: "application/json")
    request.headers.add(name: "User-Agent", value: "kproxy")
    let token: String?
    do { token = try tokens.token() } catch {
      throw APIError(message: "reading the token file: \(error.localizedDescription)")
    }
    if let token, !token.isEmpty { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
  }

  /// An APIError from a non-2xx response: its Status reason and message, and Retry-After.
  static func failure(_ response: HTTPClientResponse, body: ByteBuffer?, path: String) -> APIError {
    var reason: String?
    var message = "GET \(path)"
    if let body, let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any] {
      reason = object["reason"] as? String
      if let text = object["message"] as? String { message += ": " + text }
    }
    let retryAfter = response.headers.first(name: "Retry-After").flatMap(Double.init)
    return APIError(status: Int(response.status.code), reason: reason, message: message, retryAfter: retryAfter)
  }
}

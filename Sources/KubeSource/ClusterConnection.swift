// How to reach an API server: its URL, the CA to trust (or none), and the client's credentials
// (bearer token, a token file re-read when it changes, a client certificate and key).
import Foundation

/// Everything the HTTP client needs to talk to one API server.
public struct ClusterConnection: Sendable, Equatable {
  /// e.g. "https://10.0.0.1:6443", without a trailing slash.
  public var server: String
  /// PEM bytes of the CA bundle to trust; nil for the system's trust roots.
  public var certificateAuthority: [UInt8]?
  public var insecureSkipTLSVerify: Bool
  public var credentials: Credentials

  public init(server: String, certificateAuthority: [UInt8]? = nil, insecureSkipTLSVerify: Bool = false, credentials: Credentials = .init())
  {
    self.server = server.hasSuffix("/") ? String(server.dropLast()) : server
    self.certificateAuthority = certificateAuthority
    self.insecureSkipTLSVerify = insecureSkipTLSVerify
    self.credentials = credentials
  }

  /// The same connection to another server (`--master URL`).
  public func overridingServer(_ url: String) -> ClusterConnection {
    var copy = self
    copy.server = url.hasSuffix("/") ? String(url.dropLast()) : url
    return copy
  }
}

/// A user's credentials: any of a token, a token file, a client certificate with its key.
public struct Credentials: Sendable, Equatable {
  public var token: String?
  /// Read before each request when its content may have changed (service-account token rotation).
  public var tokenFile: String?
  /// PEM bytes.
  public var clientCertificate: [UInt8]?
  public var clientKey: [UInt8]?

  public init(token: String? = nil, tokenFile: String? = nil, clientCertificate: [UInt8]? = nil, clientKey: [UInt8]? = nil) {
    self.token = token
    self.tokenFile = tokenFile
    self.clientCertificate = clientCertificate
    self.clientKey = clientKey
  }
}

/// A connection that could not be configured, with the file and field that was wrong.
public struct ConnectionConfigError: Error, CustomStringConvertible, Sendable, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// The bearer token to send now: the fixed token, or the token file's content, re-read when the
/// file's modification time or size changes.
final class TokenReader: @unchecked Sendable {
  private let credentials: Credentials
  private let lock = NSLock()
  private var cached: (stamp: String, token: String)?

  init(_ credentials: Credentials) { self.credentials = credentials }

  func token() throws -> String? {
    guard let path = credentials.tokenFile else { return credentials.token }
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let stamp = "\((attributes[.modificationDate] as? Date)?.timeIntervalSince1970 ?? 0)/\(attributes[.size] ?? 0)"
    return try lock.withLock {
      if let cached, cached.stamp == stamp { return cached.token }
      let text = try String(contentsOfFile: path, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
      cached = (stamp, text)
      return text
    }
  }
}

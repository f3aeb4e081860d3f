// The connection of a pod in the cluster: KUBERNETES_SERVICE_HOST/PORT, the service-account
// token (a file, re-read when kubelet rotates it) and the service-account CA.
import Foundation

/// Builds the in-cluster connection; paths and environment are injectable for tests.
public struct InClusterConfig: Sendable {
  public static let serviceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"
  public var tokenPath: String
  public var caPath: String
  public var environment: [String: String]

  public init(
    tokenPath: String = serviceAccountDirectory + "/token", caPath: String = serviceAccountDirectory + "/ca.crt",
    environment: [String: String] = ProcessInfo.processInfo.environment
  ) {
    self.tokenPath = tokenPath
    self.caPath = caPath
    self.environment = environment
  }

  /// The connection, or an error naming what is missing.
  public func connection() throws -> ClusterConnection {
    guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
      let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
    else {
      throw ConnectionConfigError("not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set")
    }
    guard FileManager.default.isReadableFile(atPath: tokenPath) else {
      throw ConnectionConfigError("\(tokenPath): cannot read the service-account token")
    }
    guard let ca = FileManager.default.contents(atPath: caPath) else {
      throw ConnectionConfigError("\(caPath): cannot read the service-account CA")
    }
    let hostPart = host.contains(":") ? "[\(host)]" : host
    return ClusterConnection(
      server: "https://\(hostPart):\(port)", certificateAuthority: Array(ca), credentials: Credentials(tokenFile: tokenPath))
  }
}

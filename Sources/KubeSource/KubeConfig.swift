// Reads a kubeconfig file (as kubectl does for the current context): the cluster's server and CA,
// insecure-skip-tls-verify, and the user's token, token file, client certificate and key.
import Foundation
import Yams

/// Parses kubeconfig files into a ClusterConnection.
public enum KubeConfig {
  /// The connection of `context` (default: `current-context`) in the kubeconfig at `path`.
  public static func load(path: String, context: String? = nil) throws -> ClusterConnection {
    let text: String
    do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
      throw ConnectionConfigError("\(path): cannot read the kubeconfig: \(error.localizedDescription)")
    }
    let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
    return try parse(text, file: path, baseDirectory: base, context: context)
  }

  /// Parses kubeconfig text; relative file paths in it are relative to `baseDirectory`.
  public static func parse(_ text: String, file: String, baseDirectory: String, context: String? = nil) throws -> ClusterConnection {
    let root: [String: Any]
    do {
      guard let loaded = try Yams.load(yaml: text) as? [String: Any] else {
        throw ConnectionConfigError("\(file): not a kubeconfig mapping")
      }
      root = loaded
    } catch let error as ConnectionConfigError {
      throw error
    } catch {
      throw ConnectionConfigError("\(file): \(error)")
    }
    let fields = KubeConfigFields(file: file, baseDirectory: baseDirectory)
    guard let contextName = context ?? root["current-context"] as? String, !contextName.isEmpty else {
      throw ConnectionConfigError("\(file): current-context is not set")
    }
    let contextEntry = try fields.named(root, "contexts", contextName, field: "context")
    guard let clusterName = contextEntry["cluster"] as? String else {
      throw ConnectionConfigError("\(file): contexts[\(contextName)].context.cluster is missing")
    }
    let cluster = try fields.named(root, "clusters", clusterName, field: "cluster")
    guard let server = cluster["server"] as? String, !server.isEmpty else {
      throw ConnectionConfigError("\(file): clusters[\(clusterName)].cluster.server is missing")
    }
    var user: [String: Any] = [:]
    if let userName = contextEntry["user"] as? String, !userName.isEmpty {
      user = try fields.named(root, "users", userName, field: "user")
      for plugin in ["exec", "auth-provider", "username"] where user[plugin] != nil {
        throw ConnectionConfigError("\(file): users[\(userName)].user.\(plugin) is not supported (use a token or a client certificate)")
      }
    }
    let credentials = Credentials(
      token: user["token"] as? String, tokenFile: (user["tokenFile"] as? String).map(fields.resolve),
      clientCertificate: try fields.bytes(user, "client-certificate"), clientKey: try fields.bytes(user, "client-key"))
    return ClusterConnection(
      server: server, certificateAuthority: try fields.bytes(cluster, "certificate-authority"),
      insecureSkipTLSVerify: cluster["insecure-skip-tls-verify"] as? Bool ?? false, credentials: credentials)
  }
}

/// Field access in one kubeconfig file: named entries, `X`/`X-data` pairs, relative paths.
struct KubeConfigFields {
  let file: String
  let baseDirectory: String

  /// The `field` mapping of the entry called `name` in the list `list`.
  func named(_ root: [String: Any], _ list: String, _ name: String, field: String) throws -> [String: Any] {
    let entries = root[list] as? [[String: Any]] ?? []
    guard let entry = entries.first(where: { $0["name"] as? String == name }) else {
      throw ConnectionConfigError("\(file): \(list): no entry named \"\(name)\"")
    }
    return entry[field] as? [String: Any] ?? [:]
  }

  /// The bytes of `X-data` (base64) or of the file `X` names; nil when neither is set.
  func bytes(_ mapping: [String: Any], _ field: String) throws -> [UInt8]? {
    if let data = mapping[field + "-data"] as? String, !data.isEmpty {
      guard let decoded = Data(base64Encoded: data, options: .ignoreUnknownCharacters) else {
        throw ConnectionConfigError("\(file): \(field)-data is not valid base64")
      }
      return Array(decoded)
    }
    guard let path = mapping[field] as? String, !path.isEmpty else { return nil }
    let resolved = resolve(path)
    guard let contents = FileManager.default.contents(atPath: resolved) else {
      throw ConnectionConfigError("\(file): \(field): cannot read \(resolved)")
    }
    return Array(contents)
  }

  func resolve(_ path: String) -> String { path.hasPrefix("/") ? path : baseDirectory + "/" + path }
}

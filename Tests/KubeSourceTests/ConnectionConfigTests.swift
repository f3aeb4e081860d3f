// kubeconfig parsing (current context, files and -data fields, relative paths, tokens, insecure
// mode, errors), in-cluster config with injected paths, and the --master override.
import Foundation
import KubeSource
import Testing

@Suite struct ConnectionConfigTests {
  static func temporaryDirectory() throws -> String {
    let path = NSTemporaryDirectory() + "kproxy-kubeconfig-\(getpid())-\(UUID().uuidString.prefix(8))"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
  }

  @Test func currentContextWithDataFieldsAndToken() throws {
    let text = """
      apiVersion: v1
      kind: Config
      current-context: prod
      clusters:
      - name: dev
        cluster: {server: "https://dev:6443", insecure-skip-tls-verify: true}
      - name: prod
        cluster:
          server: https://10.0.0.1:6443/
          certificate-authority-data: \(Data("CA PEM".utf8).base64EncodedString())
      users:
      - name: admin
        user:
          token: abc
          client-certificate-data: \(Data("CERT".utf8).base64EncodedString())
          client-key-data: \(Data("KEY".utf8).base64EncodedString())
      contexts:
      - {name: dev, context: {cluster: dev, user: admin}}
      - {name: prod, context: {cluster: prod, user: admin}}
      """
    let prod = try KubeConfig.parse(text, file: "kc", baseDirectory: "/nowhere")
    #expect(prod.server == "https://10.0.0.1:6443")
    #expect(prod.certificateAuthority == Array("CA PEM".utf8))
    #expect(prod.insecureSkipTLSVerify == false)
    #expect(prod.credentials == Credentials(token: "abc", clientCertificate: Array("CERT".utf8), clientKey: Array("KEY".utf8)))
    let dev = try KubeConfig.parse(text, file: "kc", baseDirectory: "/nowhere", context: "dev")
    #expect(dev.server == "https://dev:6443")
    #expect(dev.insecureSkipTLSVerify)
    #expect(dev.overridingServer("http://127.0.0.1:8080/").server == "http://127.0.0.1:8080")
  }

  @Test func filePathsAreRelativeToTheKubeconfig() throws {
    let directory = try Self.temporaryDirectory()
    try FileManager.default.createDirectory(atPath: directory + "/pki", withIntermediateDirectories: true)
    try "ca".write(toFile: directory + "/pki/ca.crt", atomically: true, encoding: .utf8)
    try "cert".write(toFile: directory + "/pki/client.crt", atomically: true, encoding: .utf8)
    try "key".write(toFile: "/\(directory)/client.key", atomically: true, encoding: .utf8)
    let text = """
      current-context: c
      clusters: [{name: k, cluster: {server: "https://k:443", certificate-authority: pki/ca.crt}}]
      users: [{name: u, user: {client-certificate: pki/client.crt, client-key: \(directory)/client.key, tokenFile: token}}]
      contexts: [{name: c, context: {cluster: k, user: u}}]
      """
    try text.write(toFile: directory + "/config", atomically: true, encoding: .utf8)
    let connection = try KubeConfig.load(path: directory + "/config")
    #expect(connection.certificateAuthority == Array("ca".utf8))
    #expect(connection.credentials.clientCertificate == Array("cert".utf8))
    #expect(connection.credentials.clientKey == Array("key".utf8))
    #expect(connection.credentials.tokenFile == directory + "/token")
  }

  @Test(arguments: [
    ("clusters: []\ncontexts: []\n", "kc: current-context is not set"),
    ("current-context: x\ncontexts: []\n", "kc: contexts: no entry named \"x\""),
    (
      "current-context: x\ncontexts: [{name: x, context: {cluster: k}}]\nclusters: [{name: k, cluster: {}}]\n",
      "kc: clusters[k].cluster.server is missing"
    ),
    (
      "current-context: x\ncontexts: [{name: x, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: s, certificate-authority: nope}}]\n",
      "kc: certificate-authority: cannot read /base/nope"
    ),
    (
      "current-context: x\ncontexts: [{name: x, context: {cluster: k}}]\nclusters: [{name: k, cluster: {server: s, certificate-authority-data: \"%%%\"}}]\n",
      "kc: certificate-authority-data is not valid base64"
    ),
    ("- a list\n", "kc: not a kubeconfig mapping"),
    (
      "current-context: x\ncontexts: [{name: x, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: s}}]\n"
        + "users: [{name: u, user: {exec: {command: aws}}}]\n",
      "kc: users[u].user.exec is not supported (use a token or a client certificate)"
    ),
  ])
  func badKubeconfigsNameTheProblem(text: String, message: String) {
    #expect(throws: ConnectionConfigError(message)) { try KubeConfig.parse(text, file: "kc", baseDirectory: "/base") }
  }

  @Test func inClusterConfigReadsEnvironmentTokenAndCA() throws {
    let directory = try Self.temporaryDirectory()
    try "token-1\n".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
    try "CA".write(toFile: directory + "/ca.crt", atomically: true, encoding: .utf8)
    var config = InClusterConfig(
      tokenPath: directory + "/token", caPath: directory + "/ca.crt",
      environment: ["KUBERNETES_SERVICE_HOST": "fd00::1", "KUBERNETES_SERVICE_PORT": "443"])
    let connection = try config.connection()
    #expect(connection.server == "https://[fd00::1]:443")
    #expect(connection.certificateAuthority == Array("CA".utf8))
    #expect(connection.credentials == Credentials(tokenFile: directory + "/token"))
    config.environment = [:]
    #expect(throws: ConnectionConfigError.self) { try config.connection() }
  }

  @Test func flagsChooseKubeconfigMasterOrInCluster() throws {
    let directory = try Self.temporaryDirectory()
    let text = """
      current-context: c
      clusters: [{name: k, cluster: {server: "https://k:443"}}]
      users: [{name: u, user: {token: t}}]
      contexts: [{name: c, context: {cluster: k, user: u}}]
      """
    try text.write(toFile: directory + "/config", atomically: true, encoding: .utf8)
    try "sa-token".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
    try "CA".write(toFile: directory + "/ca.crt", atomically: true, encoding: .utf8)
    let inCluster = InClusterConfig(
      tokenPath: directory + "/token", caPath: directory + "/ca.crt",
      environment: ["KUBERNETES_SERVICE_HOST": "10.96.0.1", "KUBERNETES_SERVICE_PORT": "443"])
    let both = try ClusterConnection.fromFlags(kubeconfig: directory + "/config", master: "https://m:6443", inCluster: inCluster)
    #expect(both.server == "https://m:6443")
    #expect(both.credentials.token == "t")
    let file = try ClusterConnection.fromFlags(kubeconfig: directory + "/config", master: nil, inCluster: inCluster)
    #expect(file.server == "https://k:443")
    #expect(
      try ClusterConnection.fromFlags(kubeconfig: nil, master: "http://127.0.0.1:8080", inCluster: inCluster)
        == ClusterConnection(server: "http://127.0.0.1:8080"))
    let pod = try ClusterConnection.fromFlags(kubeconfig: "", master: "", inCluster: inCluster)
    #expect(pod.server == "https://10.96.0.1:443")
    #expect(pod.credentials.tokenFile == directory + "/token")
  }
}

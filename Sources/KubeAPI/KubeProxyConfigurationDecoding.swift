// Decodes the kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration file given with
// `--config`: the settings kproxy honours, validated; unknown fields are ignored.
import NetAddress

extension KubeProxyConfiguration {
  public static let apiVersion = "kubeproxy.config.k8s.io/v1alpha1"
  public static let kind = "KubeProxyConfiguration"

  /// Decodes a kubeproxy.config.k8s.io/v1alpha1 KubeProxyConfiguration document.
  public static func decode(_ text: String, file: String) throws(ManifestError) -> KubeProxyConfiguration {
    try decode(text, file: file, blockYAMLFastPath: true)
  }

  /// As `decode(_:file:)`; `blockYAMLFastPath: false` reads YAML through Yams only (for tests).
  static func decode(_ text: String, file: String, blockYAMLFastPath: Bool) throws(ManifestError) -> KubeProxyConfiguration {
    if text.utf8.count > ManifestDocuments.maxDocumentBytes {
      throw ManifestError(
        file: file,
        message: "file is \(text.utf8.count) bytes, more than the limit of \(ManifestDocuments.maxDocumentBytes / 1024 / 1024) MiB")
    }
    let documents = ManifestDocuments.split(text).filter { ManifestDocuments.hasContent($0.text) }
    guard let document = documents.first else { throw ManifestError(file: file, message: "no KubeProxyConfiguration document found") }
    if documents.count > 1 {
      throw ManifestError(file: file, document: documents[1].index, message: "a configuration file must hold exactly one document")
    }
    let context = DocumentContext(file: file, document: document.index, blockYAMLFastPath: blockYAMLFastPath)
    let roots = try context.parse(document)
    guard let root = roots.first else { throw ManifestError(file: file, message: "no KubeProxyConfiguration document found") }
    if roots.count > 1 {
      throw ManifestError(file: file, document: document.index + 1, message: "a configuration file must hold exactly one document")
    }
    let (apiVersion, kind) = try context.typeMeta(root, defaultAPIVersion: nil, defaultKind: nil)
    guard apiVersion == Self.apiVersion, kind == Self.kind else {
      throw ManifestError(
        file: file, document: document.index, kind: kind,
        message: "expected apiVersion \(Self.apiVersion) kind \(Self.kind), got apiVersion \(quoted(apiVersion)) kind \(quoted(kind))")
    }
    do {
      return try decodeFields(root)
    } catch {
      throw context.error(error, kind: kind)
    }
  }

  static func decodeFields(_ root: FieldReader) throws(FieldError) -> KubeProxyConfiguration {
    var config = KubeProxyConfiguration()
    if let field = try root.optional("hostnameOverride") {
      let hostname = try field.asString().trimmingWhitespace().lowercased()
      if !hostname.isEmpty {
        config.hostnameOverride = try field.checked(hostname, as: "node name", NameSyntax.dns1123SubdomainProblem)
      }
    }
    if let field = try root.optional("clusterCIDR") {
      for part in try field.asString().split(separator: ",") {
        let text = part.trimmingWhitespace()
        guard let prefix = IPPrefix(text) else { throw field.invalid("\(quoted(text)) is not a valid CIDR") }
        if config.clusterCIDRs.contains(where: { $0.family == prefix.family }) {
          throw field.invalid("at most one \(prefix.family.rawValue) CIDR may be given, got a second one \(quoted(text))")
        }
        config.clusterCIDRs.append(prefix)
      }
    }
    let addresses = try root.stringList("nodePortAddresses")
    for (text, reader) in addresses {
      if text == "primary" {
        if addresses.count > 1 { throw reader.invalid("\"primary\" must be the only entry of nodePortAddresses") }
        config.nodePortAddresses.append(text)
      } else {
        config.nodePortAddresses.append(try reader.asIPPrefix(strict: false).description)
      }
    }
    if let field = try root.optional("detectLocalMode") {
      let mode = try field.asString()
      guard mode.isEmpty || mode == "ClusterCIDR" else {
        throw field.invalid("\(quoted(mode)) is not supported (kproxy supports only \"ClusterCIDR\")")
      }
      config.detectLocalMode = mode
    }
    config.masqueradeAll = try root.bool("nftables.masqueradeAll")
    try decodeAgentFields(root, into: &config)
    return config
  }

  /// The settings only `kproxy run` uses: addresses, sync periods, the API connection, mode.
  static func decodeAgentFields(_ root: FieldReader, into config: inout KubeProxyConfiguration) throws(FieldError) {
    if let field = try root.optional("bindAddress") {
      let text = try field.asString().trimmingWhitespace()
      if !text.isEmpty {
        guard let ip = IPAddress(text) else { throw field.invalid("\(quoted(text)) is not a valid IP address") }
        config.bindAddress = ip
      }
    }
    for (key, path) in [("healthzBindAddress", \KubeProxyConfiguration.healthzBindAddress), ("metricsBindAddress", \.metricsBindAddress)] {
      guard let field = try root.optional(key) else { continue }
      let text = try field.asString().trimmingWhitespace()
      if text.isEmpty { continue }
      if let problem = HostPort.problem(text) { throw field.invalid("\(quoted(text)) \(problem)") }
      config[keyPath: path] = text
    }
    for (key, path) in [("nftables.syncPeriod", \KubeProxyConfiguration.syncPeriod), ("nftables.minSyncPeriod", \.minSyncPeriod)] {
      guard let field = try root.optional(key) else { continue }
      switch GoDuration.seconds(try field.asString()) {
      case .success(let seconds): config[keyPath: path] = seconds
      case .failure(let e): throw field.invalid(e.description)
      }
    }
    if let field = try root.optional("clientConnection.kubeconfig") {
      let path = try field.asString()
      if !path.isEmpty { config.kubeconfig = path }
    }
    if let field = try root.optional("mode") {
      let mode = try field.asString()
      guard mode.isEmpty || KubeProxyConfiguration.modes.contains(mode) else {
        throw field.invalid(
          "\(quoted(mode)) is not supported (kproxy's modes: \"auto\", \"nftables\", \"userspace\", or empty for auto)")
      }
      config.mode = mode.isEmpty ? nil : mode
    }
  }
}

extension StringProtocol {
  /// The text without leading and trailing spaces, tabs and line breaks.
  func trimmingWhitespace() -> String {
    String(drop(while: \.isWhitespace).reversed().drop(while: \.isWhitespace).reversed())
  }
}

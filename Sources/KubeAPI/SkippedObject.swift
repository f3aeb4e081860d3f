// Objects kproxy reads past: kinds it does not use, v1 Endpoints, known kinds of an unknown
// apiVersion; each with its place and reason, a one-line notice to warn with, and a summary for -v.

/// One document or List item that was not decoded, and why.
public struct SkippedObject: Sendable, Hashable {
  public enum Reason: Sendable, Hashable {
    /// A kind kproxy does not use (ConfigMap, Deployment, ...): nothing to warn about.
    case kindNotRead
    /// v1 Endpoints: kube-proxy, and kproxy, read EndpointSlices instead.
    case endpointsV1
    /// A kind kproxy reads, of an apiVersion it does not know; `expected` lists the known ones.
    case unknownAPIVersion(expected: [String])
    /// A KubeProxyConfiguration among the manifests: configuration is read from `--config` only.
    case configurationInManifests
  }

  /// The file as given (a path or "<stdin>").
  public var file: String
  /// 1-based document index in the file.
  public var document: Int
  /// 0-based index in the document's `items` when the document is a List.
  public var item: Int?
  public var apiVersion: String
  public var kind: String
  /// "namespace/name" or "name" as written (quoted when it is not a plain name); nil when absent.
  public var name: String?
  public var reason: Reason

  public init(file: String, document: Int, item: Int? = nil, apiVersion: String, kind: String, name: String? = nil, reason: Reason) {
    self.file = file
    self.document = document
    self.item = item
    self.apiVersion = apiVersion
    self.kind = kind
    self.name = name
    self.reason = reason
  }

  /// `services.yaml doc 2` or `list.json doc 1 items[3]`.
  public var place: String {
    "\(file) doc \(document)" + (item.map { " items[\($0)]" } ?? "")
  }

  /// The warning to print, e.g. `services.yaml doc 2 (default/web): Service apiVersion v2 is not
  /// known (expected v1); skipped`; nil for kinds kproxy does not read.
  public var notice: String? {
    let subject = place + (name.map { " (\($0))" } ?? "") + ": "
    switch reason {
    case .kindNotRead:
      return nil
    case .endpointsV1:
      return subject + "v1 Endpoints are not read (kube-proxy reads EndpointSlices, discovery.k8s.io/v1); skipped"
    case .unknownAPIVersion(let expected):
      return subject
        + "\(Self.displayed(kind)) apiVersion \(Self.displayed(apiVersion)) is not known (expected \(expected.joined(separator: " or "))); skipped"
    case .configurationInManifests:
      return subject + "a KubeProxyConfiguration among the manifests is not read (give its file with --config); skipped"
    }
  }

  /// Input text as printed: plain names as they are, anything else quoted and escaped.
  static func displayed(_ text: String) -> String {
    let plain =
      !text.isEmpty && text.utf8.count <= 253
      && text.utf8.allSatisfy { byte in
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
          || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || "./-_".utf8.contains(byte)
      }
    return plain ? text : quoted(text)
  }
}

extension ObjectSet {
  /// One warning per skipped object that a user may have meant kproxy to read (v1 Endpoints,
  /// known kinds of unknown apiVersions, a KubeProxyConfiguration), in input order.
  public var notices: [String] { skipped.compactMap(\.notice) }

  /// What was skipped, in plain words, for `-v`: `ignored 4 objects: 2 of kinds kproxy does not
  /// read (ConfigMap, Deployment), 1 v1 Endpoints, 1 of an unknown apiVersion (Service v2)`;
  /// nil when nothing was.
  public var skippedSummary: String? {
    guard !skipped.isEmpty else { return nil }
    var parts: [String] = []
    let unread = skipped.filter { $0.reason == .kindNotRead }
    if !unread.isEmpty {
      let kinds = Set(unread.map { SkippedObject.displayed($0.kind) }).sorted().joined(separator: ", ")
      parts.append("\(unread.count) of kinds kproxy does not read (\(kinds))")
    }
    let endpoints = skipped.count { $0.reason == .endpointsV1 }
    if endpoints > 0 { parts.append("\(endpoints) v1 Endpoints") }
    let versions = skipped.filter { if case .unknownAPIVersion = $0.reason { true } else { false } }
    if !versions.isEmpty {
      let which = Set(versions.map { "\(SkippedObject.displayed($0.kind)) \(SkippedObject.displayed($0.apiVersion))" }).sorted()
      parts.append("\(versions.count) of an unknown apiVersion (\(which.joined(separator: ", ")))")
    }
    let configurations = skipped.count { $0.reason == .configurationInManifests }
    if configurations > 0 { parts.append("\(configurations) KubeProxyConfiguration") }
    return "ignored \(skipped.count) object\(skipped.count == 1 ? "" : "s"): " + parts.joined(separator: ", ")
  }
}

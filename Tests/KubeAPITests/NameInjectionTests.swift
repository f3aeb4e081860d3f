// Names end up in nftables chain names and comments: every name that could break out of nft
// syntax (quotes, spaces, newlines, semicolons, unicode, over-long) must be rejected.
import KubeAPI
import Testing

@Suite struct NameInjectionTests {
  static let hostileNames: [String] = [
    #"web"; flush ruleset; ""#,
    "a b",
    "web\n",
    "web\r\nkind: Pod",
    "UPPER",
    "wéb",
    "web\u{202E}evil",
    "ｗｅｂ",
    String(repeating: "a", count: 64),
    "-web",
    "web-",
    "web.prod",
    "web;",
    "web}",
    "web\t",
    "web/../x",
    "web#comment",
    "$(reboot)",
    "",
  ]

  /// A Service named `name`, written as a JSON string so any character can be expressed.
  static func serviceJSON(name: String) -> String {
    #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": \#(jsonString(name))}, "spec": {"ports": [{"port": 80}]}}"#
  }

  /// A JSON string literal; every control character escaped, so that the document is valid
  /// JSON and the name reaches validation.
  static func jsonString(_ text: String) -> String { YAMLToJSON.string(text, style: .compact) }

  @Test(arguments: hostileNames) func serviceNameRejected(_ name: String) {
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(Self.serviceJSON(name: name), file: "svc.json", into: &set)
    } throws: { error in
      guard let error = error as? ManifestError else { return false }
      // The object is unknown (its name is not trusted), and the message quotes the name escaped.
      return error.object == nil && error.field == "metadata.name" && !error.description.contains("\n")
        && error.description.hasPrefix("svc.json doc 1: metadata.name: ")
    }
    #expect(set.services.isEmpty)
  }

  @Test func injectionAttemptIsQuotedAndEscaped() {
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(Self.serviceJSON(name: "web\"; flush ruleset; \"\n"), file: "svc.json", into: &set)
    } throws: { error in
      (error as? ManifestError)?.description
        == #"svc.json doc 1: metadata.name: "web\"; flush ruleset; \"\n" is not a valid name (DNS-1035 label): must be a DNS-1035 label: lower-case letters, digits and '-', starting with a letter and ending with a letter or digit"#
    }
  }

  @Test func nonASCIIIsEscapedInMessages() {
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(Self.serviceJSON(name: "w\u{E9}b\u{202E}x"), file: "svc.json", into: &set)
    } throws: { error in
      (error as? ManifestError)?.description.hasPrefix(#"svc.json doc 1: metadata.name: "w\u{E9}b\u{202E}x" is not a valid name"#) == true
    }
  }

  @Test func sixtyFourCharacterNameIsTooLong() {
    var set = ObjectSet()
    let name = String(repeating: "a", count: 64)
    #expect {
      try ManifestDecoder.decode(Self.serviceJSON(name: name), file: "svc.json", into: &set)
    } throws: { error in
      (error as? ManifestError)?.description
        == "svc.json doc 1: metadata.name: \"\(name)\" is not a valid name (DNS-1035 label): must be no more than 63 characters (DNS-1035 label), got 64"
    }
  }

  /// Kinds whose names are DNS-1123 subdomains reject the same hostile names; dots are allowed
  /// there, and the limit is 253 characters (Kubernetes does not limit each part to 63).
  @Test(arguments: ["Pod", "Node"], hostileNames.filter { $0 != "web.prod" && $0.count != 64 } + [String(repeating: "a", count: 254)])
  func subdomainNamesRejected(kind: String, name: String) {
    let text = #"{"apiVersion": "v1", "kind": "\#(kind)", "metadata": {"name": \#(Self.jsonString(name))}}"#
    var set = ObjectSet()
    #expect(throws: ManifestError.self) { try ManifestDecoder.decode(text, file: "o.json", into: &set) }
  }

  @Test(arguments: ["web", "a", "web-1", String(repeating: "a", count: 63)])
  func validServiceNamesAccepted(_ name: String) throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(Self.serviceJSON(name: name), file: "svc.json", into: &set)
    #expect(set.services.map(\.meta.name) == [name])
  }

  @Test func subdomainNamesMayHaveDotsAndLeadingDigits() throws {
    var set = ObjectSet()
    let name = "1node.example.com"
    try ManifestDecoder.decode(#"{"apiVersion": "v1", "kind": "Node", "metadata": {"name": "\#(name)"}}"#, file: "n.json", into: &set)
    #expect(set.nodes.map(\.meta.name) == [name])
  }

  @Test(arguments: [#"a"b"#, "a b", "a\n", "ns;", "ab/c", String(repeating: "n", count: 64), "Default"])
  func hostileNamespacesRejected(_ namespace: String) {
    let text = #"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p", "namespace": \#(Self.jsonString(namespace))}}"#
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(text, file: "p.json", into: &set)
    } throws: { error in
      (error as? ManifestError)?.field == "metadata.namespace" && (error as? ManifestError)?.object == nil
    }
  }

  @Test(arguments: ["http\"", "a b", "HTTP", "x;y", String(repeating: "p", count: 64)])
  func hostilePortNamesRejected(_ portName: String) {
    let text =
      #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"name": \#(Self.jsonString(portName)), "port": 80}]}}"#
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(text, file: "svc.json", into: &set)
    } throws: { error in
      (error as? ManifestError)?.field == "spec.ports[0].name"
    }
  }
}

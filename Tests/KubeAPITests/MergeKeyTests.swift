// YAML merge keys (`<<: *base`, `<<: [*a, *b]`) as kubectl reads them (YAML 1.1 merge): explicit
// keys win, earlier maps of a list win; merge-key alias bombs stop at the walk budget.
import KubeAPI
import Testing

@Suite struct MergeKeyTests {
  static func decode(_ text: String) throws -> ObjectSet {
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "m.yaml", into: &set)
    return set
  }

  @Test func mergedFieldsEqualWrittenOutFields() throws {
    let merged = try Self.decode(
      """
      defaults: &port {protocol: UDP, port: 53, targetPort: 5353}
      apiVersion: v1
      kind: Service
      metadata: &meta
        name: dns
        namespace: kube-system
      spec:
        ports:
        - <<: *port
          name: dns
        - <<: *port
          name: dns-tcp
          protocol: TCP
      ---
      meta: &meta {name: dns, namespace: kube-system}
      apiVersion: v1
      kind: Pod
      metadata:
        <<: *meta
        name: dns-1
      """)
    let written = try Self.decode(
      """
      apiVersion: v1
      kind: Service
      metadata: {name: dns, namespace: kube-system}
      spec:
        ports:
        - {name: dns, protocol: UDP, port: 53, targetPort: 5353}
        - {name: dns-tcp, protocol: TCP, port: 53, targetPort: 5353}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: dns-1, namespace: kube-system}
      """)
    #expect(merged == written)
  }

  @Test func earlierMapsOfAListWinAndMergesNest() throws {
    let set = try Self.decode(
      """
      a: &a {port: 80, name: from-a}
      b: &b {port: 81, name: from-b, protocol: UDP}
      c: &c {<<: *b, targetPort: 9000}
      apiVersion: v1
      kind: Service
      metadata: {name: web}
      spec:
        ports:
        - <<: [*a, *c]
      """)
    let port = try #require(set.services.first?.ports.first)
    #expect(port.port == 80 && port.name == "from-a" && port.protocol_ == .udp && port.targetPort == .int(9000))
  }

  @Test func mergedLabelsAreListedOnce() throws {
    let set = try Self.decode(
      """
      common: &common {app: web, tier: front}
      apiVersion: v1
      kind: Pod
      metadata:
        name: p
        labels: {<<: *common, tier: back}
      """)
    #expect(set.pods.first?.meta.labels == ["app": "web", "tier": "back"])
  }

  @Test func mergeKeyAliasBombIsRefused() {
    var text = "apiVersion: v1\nkind: Service\nmetadata: {name: web}\n"
    text += "l0: &l0 {a: 1, b: 2, c: 3, d: 4, e: 5, f: 6, g: 7, h: 8, i: 9, j: 10}\n"
    for level in 1...9 {
      text += "l\(level): &l\(level) {<<: [" + Array(repeating: "*l\(level - 1)", count: 10).joined(separator: ", ") + "], k\(level): 0}\n"
    }
    text += "spec: {<<: *l9, ports: [{port: 80}]}\n"
    #expect {
      _ = try Self.decode(text)
    } throws: { error in
      let error = error as? ManifestError
      return error?.description.hasPrefix("m.yaml doc 1 (default/web): document expands to more than") == true
        && error?.message.hasSuffix("values (YAML aliases?)") == true
    }
  }
}

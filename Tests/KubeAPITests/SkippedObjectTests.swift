// Objects kproxy reads past are recorded with place and reason: v1 Endpoints and known kinds of
// unknown apiVersions give one notice each, naming the object; -v gets a summary in plain words.
import KubeAPI
import KubeSource
import Testing

@Suite struct SkippedObjectTests {
  static let text = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings}
    ---
    apiVersion: v2
    kind: Service
    metadata: {name: web}
    spec: {ports: [{port: 80}]}
    ---
    apiVersion: v1
    kind: Endpoints
    metadata: {name: web, namespace: shop}
    subsets: []
    ---
    apiVersion: v1
    kind: List
    items:
    - apiVersion: discovery.k8s.io/v1beta1
      kind: EndpointSlice
      metadata: {name: web-1, namespace: shop}
    - apiVersion: apps/v1
      kind: Deployment
      metadata: {name: web}
    - apiVersion: v1beta1
      kind: Node
      metadata: {name: "n\\u001b[31m1"}
    - apiVersion: v1
      kind: Service
      metadata: {name: ok}
      spec: {ports: [{port: 80}]}
    ---
    apiVersion: kubeproxy.config.k8s.io/v1alpha1
    kind: KubeProxyConfiguration
    """

  @Test func noticesNameEachObjectOnce() throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(Self.text, file: "cluster.yaml", into: &set)
    #expect(set.services.map(\.meta.name) == ["ok"])
    #expect(set.ignoredCount == 7)
    #expect(
      set.notices == [
        "cluster.yaml doc 2 (default/web): Service apiVersion v2 is not known (expected v1); skipped",
        "cluster.yaml doc 3 (shop/web): v1 Endpoints are not read (kube-proxy reads EndpointSlices, discovery.k8s.io/v1); skipped",
        "cluster.yaml doc 4 items[0] (shop/web-1): EndpointSlice apiVersion discovery.k8s.io/v1beta1 is not known (expected discovery.k8s.io/v1); skipped",
        "cluster.yaml doc 4 items[2] (\"n\\u{1B}[31m1\"): Node apiVersion v1beta1 is not known (expected v1); skipped",
        "cluster.yaml doc 5: a KubeProxyConfiguration among the manifests is not read (give its file with --config); skipped",
      ])
    #expect(
      set.skippedSummary
        == "ignored 7 objects: 2 of kinds kproxy does not read (ConfigMap, Deployment), 1 v1 Endpoints, 3 of an unknown apiVersion (EndpointSlice discovery.k8s.io/v1beta1, Node v1beta1, Service v2), 1 KubeProxyConfiguration"
    )
  }

  @Test func nothingSkippedSaysNothing() throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(serviceYAML("ports: [{port: 80}]"), file: "s.yaml", into: &set)
    #expect(set.notices.isEmpty && set.skippedSummary == nil)
  }

  @Test func unreadKindsNeedNoNotice() throws {
    var set = ObjectSet()
    try ManifestDecoder.decode("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a}\n", file: "c.yaml", into: &set)
    #expect(set.notices.isEmpty)
    #expect(
      set.skipped == [SkippedObject(file: "c.yaml", document: 1, apiVersion: "v1", kind: "ConfigMap", name: "a", reason: .kindNotRead)])
    #expect(set.skippedSummary == "ignored 1 object: 1 of kinds kproxy does not read (ConfigMap)")
  }

  @Test func loaderKeepsSkippedObjectsOfEveryFile() throws {
    let folder = try TemporaryFolder()
    try folder.write("a.yaml", "apiVersion: v2\nkind: Service\nmetadata: {name: a}\n")
    try folder.write("b.yaml", "apiVersion: v1\nkind: Endpoints\nmetadata: {name: b}\n")
    let set = try ManifestLoader().load(paths: [folder.path])
    #expect(set.skipped.map(\.place) == ["\(folder.path)/a.yaml doc 1", "\(folder.path)/b.yaml doc 1"])
    #expect(set.notices.count == 2)
  }
}

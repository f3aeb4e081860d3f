// Large but legal input: a single-line JSON ServiceList of 3000 services (~800 KB) and a long multi-document
// YAML stream decode completely.
import KubeAPI
import Testing

@Suite struct LargeInputTests {
  @Test func bigSingleLineJSONList() throws {
    let count = 3000
    let items = (0..<count).map { index in
      #"{"metadata":{"name":"svc-\#(index)","namespace":"ns-\#(index % 50)","labels":{"app":"app-\#(index)","team":"t\#(index % 7)"}},"spec":{"clusterIP":"10.96.\#(index / 256).\#(index % 256)","ports":[{"name":"http","port":80,"targetPort":8080},{"name":"https","port":443,"targetPort":"https-web"}],"selector":{"app":"app-\#(index)"}}}"#
    }
    let text = #"{"apiVersion":"v1","kind":"ServiceList","metadata":{},"items":["# + items.joined(separator: ",") + "]}"
    #expect(text.utf8.count > 750_000)
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "big.json", into: &set)
    #expect(set.services.count == count)
    #expect(set.services.last?.meta.key.description == "ns-49/svc-2999")
    #expect(set.services.last?.clusterIPs.map(\.description) == ["10.96.11.183"])
  }

  @Test func manyDocuments() throws {
    let text = (0..<2000).map { "apiVersion: v1\nkind: Pod\nmetadata: {name: pod-\($0)}\nstatus: {podIP: 10.0.\($0 / 256).\($0 % 256)}\n" }
      .joined(separator: "---\n")
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "pods.yaml", into: &set)
    #expect(set.pods.count == 2000)
  }
}

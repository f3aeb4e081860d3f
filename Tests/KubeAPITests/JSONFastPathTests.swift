// JSON documents through ManifestDecoder: escapes and surrogate pairs, numbers, duplicate keys,
// empty documents, deep nesting, and invalid JSON falling back to Yams with today's messages.
import KubeAPI
import Testing

@Suite struct JSONFastPathTests {
  static func decode(_ text: String) throws(ManifestError) -> ObjectSet {
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "t.json", into: &set)
    return set
  }

  static func failure(_ text: String) -> String? {
    do {
      _ = try decode(text)
      return nil
    } catch {
      return error.description
    }
  }

  static func pod(annotations: String) -> String {
    #"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","annotations":{"#
      + annotations + #"}},"spec":{"nodeName":"n"},"status":{"podIP":"10.0.0.1"}}"#
  }

  static func service(port: String) -> String {
    #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}, "spec": {"ports": [{"port": "# + port + "}]}}"
  }

  @Test func escapesAndSurrogatePairs() throws {
    let set = try Self.decode(Self.pod(annotations: #""example.com/a": "x\uD83D\uDE00y\u00e9\/\"\\\t", "example.com/b": "日本""#))
    #expect(set.pods.first?.meta.annotations == ["example.com/a": "x😀yé/\"\\\t", "example.com/b": "日本"])
  }

  @Test func numbers() {
    #expect(
      Self.failure(Self.service(port: "99999999999999999999"))
        == "t.json doc 1 (default/web): spec.ports[0].port: 99999999999999999999 is out of range")
    #expect(
      Self.failure(Self.service(port: "-80")) == "t.json doc 1 (default/web): spec.ports[0].port: -80 is not a valid port (must be 1-65535)"
    )
    #expect(
      Self.failure(Self.service(port: "8e1")) == "t.json doc 1 (default/web): spec.ports[0].port: expected an integer, got number 8e1")
    #expect(
      Self.failure(Self.service(port: "-0.5E+2"))
        == "t.json doc 1 (default/web): spec.ports[0].port: expected an integer, got number -0.5E+2")
    #expect(
      Self.failure(Self.service(port: "true")) == "t.json doc 1 (default/web): spec.ports[0].port: expected an integer, got boolean true")
    #expect(Self.failure(Self.service(port: "{}")) == "t.json doc 1 (default/web): spec.ports[0].port: expected an integer, got a map")
    #expect(Self.failure(Self.service(port: "[]")) == "t.json doc 1 (default/web): spec.ports[0].port: expected an integer, got a list")
    #expect(Self.failure(Self.service(port: "null")) == "t.json doc 1 (default/web): spec.ports[0].port: required field is missing")
  }

  @Test func duplicateKeysFailWhenRead() throws {
    #expect(
      Self.failure(#"{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","name":"t"},"spec":{"ports":[{"port":80}]}}"#)
        == "t.json doc 1: metadata: duplicate key \"name\"")
    #expect(
      Self.failure(Self.pod(annotations: #""a": "1", "a": "2""#)) == "t.json doc 1 (default/p): metadata.annotations: duplicate key \"a\"")
    // A repeated key kproxy never reads is no error, as in YAML.
    let set = try Self.decode(#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"},"status":{"x":1,"x":2}}"#)
    #expect(set.pods.count == 1)
  }

  @Test func emptyDocumentsAndItemPaths() {
    #expect(Self.failure("{}") == "t.json doc 1: kind: required field is missing")
    #expect(Self.failure(" [ ] ") == "t.json doc 1: expected a map, got a list")
    let list =
      #"{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p"}},"#
      + #"{"apiVersion":"v1","kind":"Service","metadata":{"name":"s","labels":{"v":1.0}},"spec":{"ports":[{"port":80}]}}]}"#
    #expect(Self.failure(list) == "t.json doc 1 (default/s): items[1].metadata.labels[\"v\"]: expected a string, got number 1.0")
  }

  @Test func deepNestingIsRefused() {
    let depth = 600
    let text =
      #"{"apiVersion":"v1","kind":"Pod","x":"# + String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth + 1)
    #expect(Self.failure(text) == "t.json doc 1: document nests more than 512 levels deep at line 1")
  }

  /// Text that starts like JSON and is neither JSON nor YAML fails with the JSON error, its line
  /// and column counted in the file (kubectl reports the JSON decoder's error too).
  @Test func invalidJSONReportsJSONErrors() {
    let cases: [(String, String)] = [
      (
        #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"}} x"#,
        #"t.json doc 1: invalid JSON at line 1 column 70: unexpected "x" after the end of a JSON value (another object, or nothing, expected)"#
      ),
      (
        #"[{"a": 1}]]"#,
        #"t.json doc 1: invalid JSON at line 1 column 11: unexpected "]" after the end of a JSON value (another object, or nothing, expected)"#
      ),
      (Self.pod(annotations: #""a": "\uD800""#), #"t.json doc 1: invalid JSON at line 1 column 83: lone surrogate in a \u escape"#),
      (
        #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "labels": {"a": "x}}}"#,
        "t.json doc 1: invalid JSON at line 1 column 90: unexpected end of input"
      ),
      (
        "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}\n---\n{\"apiVersion\": \"v1\",\n \"kind\": \"Pod\",\n \"metadata\": {\"name\": \"p\"]}\n",
        #"t.json doc 2: invalid JSON at line 5 column 26: expected ',' or '}' after an object member, found "]""#
      ),
      // Truncated: the end of the text comes inside the object.
      (
        "{\"apiVersion\": \"v1\", \"kind\": \"Service\",\n \"metadata\": {\"name\": \"web\"}\n",
        "t.json doc 1: invalid JSON at line 3 column 1: unexpected end of input"
      ),
      // Comments: kubectl's JSON reader refuses them too.
      (
        "{\n  // the web service\n  \"apiVersion\": \"v1\", \"kind\": \"Service\"}\n",
        "t.json doc 1: invalid JSON at line 2 column 3: comments are not allowed in JSON"
      ),
      // The second object of a stream is broken: its document index and the line in the file.
      (
        "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\"}\n{\"apiVersion\": \"v1\", \"kind\": ConfigMap}\n",
        #"t.json doc 2: invalid JSON at line 2 column 30: unexpected "C" (a value expected)"#
      ),
      (
        // Columns count characters, not bytes.
        "{\"apiVersion\": \"v1\", \"kind\": \"ConfigMap\", \"data\": {\"é\": \"x\"]}",
        #"t.json doc 1: invalid JSON at line 1 column 60: expected ',' or '}' after an object member, found "]""#
      ),
    ]
    for (text, expected) in cases { #expect(Self.failure(text) == expected) }
  }

  /// Concatenated JSON objects and NDJSON, which kubectl reads as a stream: one document each.
  @Test func jsonStreamsAreDocuments() throws {
    let pod = { (name: String) in #"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "\#(name)"}}"# }
    let ndjson = pod("a") + "\n" + pod("b") + "\n"
    let concatenated = pod("c") + pod("d") + "  \n\t" + #"{"apiVersion": "v1", "kind": "List", "items": ["# + pod("e") + "]}"
    let manifest = try ManifestDecoder.decodeObjects(ndjson + "---\n" + concatenated + "\n---\n" + pod("f"), file: "t.json")
    #expect(manifest.objects.map(\.object.meta.name) == ["a", "b", "c", "d", "e", "f"])
    #expect(manifest.objects.map(\.location) == ["doc 1", "doc 2", "doc 3", "doc 4", "doc 5 items[0]", "doc 6"])
    // A bad object later in the stream is named by its own document index.
    let bad = ndjson + #"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "c", "namespace": 5}}"#
    #expect(Self.failure(bad) == "t.json doc 3: metadata.namespace: expected a string, got integer 5")
  }

  @Test func documentsAfterMarkersTakeTheFastPath() throws {
    let text =
      "--- {\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\"}}\n---\n\t{\"apiVersion\":\"v1\",\"kind\":\"Pod\",\"metadata\":{\"name\":\"q\"}}\n"
    #expect(try Self.decode(text).pods.map(\.meta.name) == ["p", "q"])
  }

  @Test func flowYAMLStillDecodes() throws {
    #expect(try Self.decode("{apiVersion: v1, kind: Pod, metadata: {name: p}}").pods.count == 1)
    #expect(try Self.decode(#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": 'p'},}"#).pods.count == 1)
    #expect(try Self.decode("{\"apiVersion\": \"v1\", \"kind\": \"Pod\", \"metadata\": {\"name\": \"p\"}} # comment\n").pods.count == 1)
    // A raw tab inside a string is not JSON; the YAML path turns it into a space, as before.
    let set = try Self.decode(Self.pod(annotations: "\"a\": \"x\ty\""))
    #expect(set.pods.first?.meta.annotations == ["a": "x y"])
  }
}

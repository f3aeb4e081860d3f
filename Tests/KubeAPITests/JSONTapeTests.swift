// The JSON tape on its own: paths derived from it equal the paths of a step-by-step walk, its
// bound on NestingDepthBound's estimate holds for single JSON values (so their scan may be
// skipped), and errors read through it keep their exact texts.
import Testing
import Yams

@testable import KubeAPI

@Suite struct JSONTapeTests {
  /// Every value's path as a recursive walk spells it (FieldPath's `.key` and `[i]` steps).
  static func walkedPaths(_ tape: JSONTape, _ index: Int, _ path: String, into paths: inout [Int: String]) {
    paths[index] = path
    let entry = tape[index]
    guard entry.kind == .array || entry.kind == .object else { return }
    var child = JSONTape.firstChild(index)
    for position in 0..<Int(entry.start) {
      let childPath = entry.kind == .object ? FieldPath.keyPath(path, tape.key(child)) : "\(path)[\(position)]"
      walkedPaths(tape, child, childPath, into: &paths)
      child = Int(tape[child].next)
    }
  }

  @Test(arguments: [
    #"{"a": {"b": [1, {"c": [[], {}, "x"]}, null]}, "d\u0041": {"e\"f": true}, "": [[[0]]]}"#,
    #"[{"k": 1}, [2, [3, {"z": {"y": [4]}}]], "s"]"#,
    #"{"apiVersion": "v1", "kind": "List", "items": [{"spec": {"ports": [{"port": 80}, {"port": 81}]}}]} {"x": [1]}"#,
  ])
  func derivedPathsEqualWalkedPaths(_ text: String) throws {
    let tape = try JSONParser.parseStream(Array(text.utf8)).get()
    var walked: [Int: String] = [:]
    for root in tape.roots { Self.walkedPaths(tape, root, "", into: &walked) }
    #expect(walked.count == tape.entries.count)
    for (index, path) in walked { #expect(tape.path(of: index) == path, "entry \(index)") }
  }

  /// Single JSON values of every shape the bound depends on: indentation (spaces, tabs, CRs),
  /// a `---` marker, nesting, brackets, colons, dashes and hashes inside strings, escapes.
  static var singleValues: [String] {
    var texts = [
      "{}", "[]", "  {\"a\": 1}  \n   \n", "--- {\"a\": [1]}", "---\n{\"a\": [1]}", "---\n      [[[1]]]\n",
      "{\n  \"a\": {\n    \"b\": [\n      1,\n      -2.5e3\n    ]\n  }\n}\n", "\t\r\n  {\"a\":\r\n\t[\"- x\", \": y\", \"# z\", \"[[{{\"]}",
      #"{"a": "\"]]]]\\", "b": [[[[{"c": "|"}]]]], "d": ">", "e": "&x", "f": "!t", "g": "? q"}"#,
      "{\"a\":\n" + String(repeating: " ", count: 200) + "[\n" + String(repeating: " ", count: 120) + "1]}",
    ]
    for depth in [1, 5, 100, 250] {
      texts.append(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
      texts.append(String(repeating: "{\"k\": ", count: depth) + "null" + String(repeating: "}", count: depth))
      var pretty = ""
      for level in 0..<depth { pretty += String(repeating: " ", count: level % 40) + "[\n" }
      for level in (0..<depth).reversed() { pretty += String(repeating: " ", count: level % 40) + "]\n" }
      texts.append(pretty)
    }
    return texts
  }

  @Test(arguments: singleValues)
  func boundHoldsForSingleValues(_ text: String) throws {
    let bytes = Array(text.utf8)
    let start = try #require(DocumentContext.jsonStart(bytes))
    let tape = try #require(JSONParser.parse(bytes, from: start))
    #expect(tape.depthEstimateBound >= NestingDepthBound.estimate(in: Substring(text)))
  }

  /// Documents near and over the limit are refused, or not, exactly as before the shortcut.
  @Test(arguments: [505, 509, 510, 511, 512, 513])
  func deepJSONIsJudgedByTheEstimate(_ depth: Int) {
    for text in [
      String(repeating: "[", count: depth) + String(repeating: "]", count: depth),
      "---\n" + String(repeating: " ", count: 3) + String(repeating: "[", count: depth) + String(repeating: "]", count: depth),
    ] {
      let refusedByEstimate = NestingDepthBound.firstLineExceeding(NestingDepthBound.limit, in: Substring(text)) != nil
      var message = ""
      do { _ = try ManifestDecoder.decodeObjects(text, file: "d.json") } catch { message = error.description }
      #expect(message.contains("levels deep at line") == refusedByEstimate, "\(depth): \(message)")
    }
  }

  static func failure(_ text: String) -> String {
    do {
      _ = try ManifestDecoder.decodeObjects(text, file: "t.json")
      return "no error"
    } catch {
      return error.description
    }
  }

  @Test func errorsNameFieldsThroughTheTape() {
    let slice = { (endpoints: String) in
      #"{"kind": "List", "apiVersion": "v1", "items": [{"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {"name": "s", "namespace": "n", "labels": {"a": "b"}}, "addressType": "IPv4", "endpoints": \#(endpoints)}]}"#
    }
    #expect(
      Self.failure(slice(#"[{"addresses": ["10.0.0.1"]}, {"addresses": ["10.0.0.1", "fd00::1"]}]"#))
        == #"t.json doc 1 (n/s): items[0].endpoints[1].addresses[1]: fd00::1 is IPv6 but addressType is IPv4"#)
    #expect(
      Self.failure(slice(#"[{"addresses": ["10.0.0.1"], "conditions": {"ready": "yes"}}]"#))
        == #"t.json doc 1 (n/s): items[0].endpoints[0].conditions.ready: expected a boolean (true or false), got string "yes""#)
    #expect(
      Self.failure(slice(#"[{"addresses": ["10.0.0.1"], "nodeName": "a", "nodeName": "b"}]"#))
        == #"t.json doc 1 (n/s): items[0].endpoints[0]: duplicate key "nodeName""#)
    #expect(Self.failure(slice(#"{"a": 1}"#)) == #"t.json doc 1 (n/s): items[0].endpoints: expected a list, got a map"#)
    let labels =
      #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "labels": {"a": "b", "x\u0079": "1", "xy": "2"}}, "spec": {"clusterIP": "None"}}"#
    #expect(Self.failure(labels) == #"t.json doc 1 (default/s): metadata.labels: duplicate key "xy""#)
    let badValue =
      #"{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s", "labels": {"a": "b c"}}, "spec": {"clusterIP": "None"}}"#
    #expect(Self.failure(badValue).hasPrefix(#"t.json doc 1 (default/s): metadata.labels["a"]: "b c" is not a valid label value"#))
  }

  /// Below a map entry the path is spelled step by step again; it reads as it does through Yams.
  @Test func pathsBelowMapEntries() throws {
    let json = #"{"m": {"k": {"x": [1, "a"]}, "j": 2}}"#
    let tape = try #require(JSONParser.parse(Array(json.utf8)))
    let yaml = try #require(try Yams.compose(yaml: json))
    for root in [FieldReader(tape: tape, index: 0), FieldReader(node: .yaml(yaml), budget: WalkBudget(documentBytes: json.utf8.count))] {
      let entries = try #require(try root.optional("m")).entries()
      #expect(entries.map(\.key) == ["k", "j"])
      #expect(entries[1].value.path == #"m["j"]"#)
      let list = try #require(try entries[0].value.optional("x"))
      #expect(list.path == #"m["k"].x"#)
      let second = try list.elements()[1]
      #expect(second.path == #"m["k"].x[1]"#)
      #expect(throws: FieldError.wrongType(field: #"m["k"].x[1]"#, expected: "an integer", got: #"string "a""#)) { try second.asInt() }
      #expect(throws: FieldError.wrongType(field: #"m["k"].x"#, expected: "a map", got: "a list")) { try list.required("y") }
      #expect(throws: FieldError.missing(field: #"m["k"].z"#)) { try entries[0].value.required("z") }
    }
  }
}

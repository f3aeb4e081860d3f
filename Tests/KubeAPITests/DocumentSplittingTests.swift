// Document numbering across YAML stream forms: leading comments, `---` with comments or content,
// `...` end markers, CRLF line endings, JSON texts read whole, and line numbers of errors counted
// from the file start.
import KubeAPI
import Testing

@Suite struct DocumentSplittingTests {
  static func node(_ name: String) -> String { "apiVersion: v1\nkind: Node\nmetadata: {name: \(name)}\n" }

  @Test(arguments: [
    ("# header\n" + node("a") + "---\n" + node("b"), ["doc 1", "doc 2"]),
    ("---\n" + node("a") + "---\n" + node("b"), ["doc 1", "doc 2"]),
    ("# only a comment\n---\n" + node("a"), ["doc 1"]),
    (node("a") + "--- # second\n" + node("b"), ["doc 1", "doc 2"]),
    (node("a") + "---\n---\n" + node("b"), ["doc 1", "doc 3"]),
    (node("a") + "...\n---\n" + node("b"), ["doc 1", "doc 2"]),
    ("--- {apiVersion: v1, kind: Node, metadata: {name: a}}\n--- {apiVersion: v1, kind: Node, metadata: {name: b}}\n", ["doc 1", "doc 2"]),
    ((node("a") + "---\n" + node("b")).replacingOccurrences(of: "\n", with: "\r\n"), ["doc 1", "doc 2"]),
    // JSON, parsed whole without the split (DocumentContext.wholeTextJSON) unless a marker line makes it no JSON.
    ("\n  " + jsonNode("a") + "\n" + jsonNode("b") + "\n", ["doc 1", "doc 2"]),
    (jsonNode("a") + "\n---\n" + jsonNode("b"), ["doc 1", "doc 2"]),
    (jsonNode("a") + "\n---\n---\n" + jsonNode("b"), ["doc 1", "doc 3"]),
  ])
  func documentsAreNumbered(text: String, locations: [String]) throws {
    let manifest = try ManifestDecoder.decodeObjects(text, file: "n.yaml")
    #expect(manifest.objects.map(\.location) == locations)
    #expect(manifest.objects.map(\.object.meta.name) == ["a", "b"].prefix(locations.count).map { $0 })
  }

  static func jsonNode(_ name: String, address: String = "10.0.0.1") -> String {
    #"{"apiVersion":"v1","kind":"Node","metadata":{"name":"\#(name)"},"status":{"addresses":[{"type":"InternalIP","address":"\#(address)"}]}}"#
  }

  @Test func errorsInAWholeJSONTextNameTheValuesDocument() {
    #expect {
      try ManifestDecoder.decodeObjects(Self.jsonNode("a") + Self.jsonNode("b", address: "x"), file: "n.json")
    } throws: { error in
      (error as? ManifestError)?.description == "n.json doc 2 (b): status.addresses[0].address: \"x\" is not a valid IP address"
    }
  }

  @Test func markerLikeTextInsideAValueIsNotASplit() throws {
    let text =
      "apiVersion: v1\nkind: Node\nmetadata:\n  name: a\n  annotations:\n    note: |\n      ---not a marker\n      --- indented, not a marker\n"
    let manifest = try ManifestDecoder.decodeObjects(text, file: "n.yaml")
    #expect(manifest.objects.first?.object.meta.annotations["note"] == "---not a marker\n--- indented, not a marker\n")
  }

  @Test func errorLinesCountFromTheStartOfTheFile() {
    let text = Self.node("a") + "---\n" + Self.node("b") + "---\napiVersion: v1\nkind: Node\nmetadata: {name: c\n"
    #expect {
      try ManifestDecoder.decodeObjects(text, file: "n.yaml")
    } throws: { error in
      // The unclosed `{` of line 11 is noticed at the end of the file, line 12 (the document starts at line 8).
      (error as? ManifestError)?.description
        == "n.yaml doc 3: invalid YAML at line 12 column 1: did not find expected ',' or '}' (while parsing a flow mapping)"
    }
  }
}

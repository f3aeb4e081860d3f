// Document numbering across YAML stream forms: leading comments, `---` with comments or content,
// `...` end markers, CRLF line endings, and line numbers of errors counted from the file start.
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
  ])
  func documentsAreNumbered(text: String, locations: [String]) throws {
    let manifest = try ManifestDecoder.decodeObjects(text, file: "n.yaml")
    #expect(manifest.objects.map(\.location) == locations)
    #expect(manifest.objects.map(\.object.meta.name) == ["a", "b"].prefix(locations.count).map { $0 })
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

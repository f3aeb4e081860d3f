// The YAML fast path (BlockYAMLParser) reads what Yams reads: every fixture, the happy-path and
// bad-input documents, and a corpus of tricky scalars and layouts give equal trees, objects or errors.
import Foundation
import Testing

@testable import KubeAPI

@Suite struct BlockYAMLParityTests {
  /// A parsed document as a plain value: resolved scalars, lists, maps, or the error a reader
  /// gives (duplicate keys, the "YAML 1.1 boolean" message of asString).
  indirect enum Shape: Equatable {
    case scalar(ScalarValue, asString: String)
    case list([Shape])
    case map([String], [Shape])
    case error(String)
  }

  static func shape(_ reader: FieldReader) -> Shape {
    if let scalar = reader.scalarValue {
      let asString: String
      do { asString = try reader.asString() } catch { asString = error.message }
      return .scalar(scalar, asString: asString)
    }
    do {
      if reader.node.isList { return .list(try reader.elements().map(shape)) }
      let entries = try reader.entries()
      return .map(entries.map(\.key), entries.map { shape($0.value) })
    } catch {
      return .error(error.message)
    }
  }

  /// Every document of `text` parsed with or without the fast path: shapes, or the parse error.
  static func shapes(_ text: String, fastPath: Bool) -> Result<[[Shape]], ManifestError> {
    var result: [[Shape]] = []
    for document in ManifestDocuments.split(text) {
      let context = DocumentContext(file: "t.yaml", document: document.index, blockYAMLFastPath: fastPath)
      do { result.append(try context.parse(document).map(shape)) } catch { return .failure(error) }
    }
    return .success(result)
  }

  static func decode(_ text: String, fastPath: Bool) -> Result<DecodedManifest, ManifestError> {
    do {
      return .success(try ManifestDecoder.decodeObjects(text, file: "t.yaml", limits: .standard, blockYAMLFastPath: fastPath))
    } catch {
      return .failure(error)
    }
  }

  /// How many documents of `text` the fast path reads (not JSON, not left to Yams).
  static func fastDocuments(_ text: String) -> Int {
    ManifestDocuments.split(text).count { document in
      let bytes = Array(document.text.utf8)
      return DocumentContext.jsonStart(bytes) == nil && BlockYAMLParser.parse(bytes) != nil
    }
  }

  /// Equal trees and equal decoded objects (or errors) with and without the fast path.
  static func expectParity(_ text: String, _ comment: Comment? = nil) {
    #expect(shapes(text, fastPath: true) == shapes(text, fastPath: false), comment)
    #expect(decode(text, fastPath: true) == decode(text, fastPath: false), comment)
  }

  @Test(arguments: JSONParityTests.manifestFiles) func fixtureManifest(_ file: String) throws {
    let text = try JSONParityTests.read(file)
    Self.expectParity(text)
  }

  @Test func fixturesTakeTheFastPath() throws {
    var fast = 0
    var all = 0
    for file in JSONParityTests.manifestFiles where !file.hasSuffix(".json") {
      let text = try JSONParityTests.read(file)
      fast += Self.fastDocuments(text)
      all += ManifestDocuments.split(text).count
    }
    // Every fixture document is plain block YAML but the few that test anchors, tags or flow style.
    #expect(fast > all * 3 / 4, "\(fast) of \(all)")
  }

  @Test(arguments: JSONParityTests.configFiles) func fixtureConfiguration(_ file: String) throws {
    let text = try JSONParityTests.read(file)
    #expect(Self.fastDocuments(text) == 1)
    let fast = try KubeProxyConfiguration.decode(text, file: file, blockYAMLFastPath: true)
    #expect(fast == (try KubeProxyConfiguration.decode(text, file: file, blockYAMLFastPath: false)))
  }

  @Test func happyPathDocuments() {
    #expect(Self.fastDocuments(HappyPathTests.multiDocument) > 0)
    Self.expectParity(HappyPathTests.multiDocument)
  }

  @Test func badInputFailsAlike() {
    for testCase in BadInputTests.cases {
      Self.expectParity(testCase.text, "\(testCase.name)")
      if case .failure(let error) = Self.decode(testCase.text, fastPath: true) {
        #expect(error.description == testCase.expected, "\(testCase.name)")
      }
    }
  }

  // MARK: Generated corpus

  /// Scalars that YAML 1.1, quoting, comments and indicators make tricky.
  static let trickyScalars = [
    "010", "0x1F", "0o17", "0b101", "1_000", "_1", "08", "-0129", "yes", "No", "on", "OFF", "y", "n", "Y", "~", "null", "Null",
    "NULL", "true", "False", "TRUE", "\"80\"", "'80'", "'a''b'", "''", "\"\"", "'it''s'", "1e3", "1E3", "1.5", "-2.5e-3", ".5",
    ".inf", "-.inf", ".NaN", "+12", "-0", "0", "9223372036854775807", "9223372036854775808", "-9223372036854775809", "",
    "value   ", "value # comment", "value#hash", "a b  c", "http://x:80/y", "a:b", "a: b", "a:", "- x", "-x", "-1", "[]",
    "{}", "[ ]", "[a]", "{a: 1}", "&a x", "*a", "!!str 80", "!!int \"80\"", "|", ">-", "'unclosed", "\"unclosed",
    "\"esc\\n\"", "\"a # b\"", "'a # b'", "\"a\" # c", "'a'#c", "\"a\" b", "a #", "%x", "@x", "`x", "?x", ":x", ",x", "x,y",
    "x]", "x}", "<<", "=", "é", "a\tb", "a\rb", "2001:db8::1", "10.0.0.1", "svc-1.ns.svc", "A", "e", "E5", "nan", "inf",
  ]

  /// Layouts that put a scalar `S` as a value, an element and a key.
  static let scalarLayouts = [
    "k: S\nj: 1\n", "- S\n- 2\n", "S: v\n", "a:\n  - S\n", "a:\n- S\nb: 1\n", "- k: S\n  j: 1\n", "- - S\n  - 2\n",
    "a:\n  b: S\n  c: 2\n", "k: S # trailing comment\n", "k:  S  \n",
  ]

  @Test(arguments: trickyScalars) func trickyScalar(_ scalar: String) {
    for layout in Self.scalarLayouts {
      let text = layout.replacingOccurrences(of: "S", with: scalar)
      Self.expectParity(text, "\(quoted(text))")
    }
    for field in ["name", "port", "targetPort"] {
      let text = serviceYAML("  ports:\n  - \(field): \(scalar)\n    protocol: TCP\n")
      Self.expectParity(text, "\(quoted(text))")
    }
    let labels = "apiVersion: v1\nkind: Service\nmetadata:\n  name: web\n  labels:\n    app: \(scalar)\nspec:\n  clusterIP: None\n"
    Self.expectParity(labels, "\(quoted(labels))")
  }

  /// Block layouts: indentation variants, indentless and nested sequences, comments, markers,
  /// and what YAML refuses or the fast path leaves to Yams.
  static let layouts = [
    "a:\n- 1\n- 2\nb: 3\n", "a:\n  - 1\n  - 2\nb: 3\n", "a:\n    - 1\n    - 2\nb: 3\n", "- - a\n  - b\n- c\n", "- - - a\n    - b\n  - c\n",
    "-\n  a: 1\n- b\n", "- \n- a\n", "-\n-\n", "a:\n-\n- b\n", "a:\nb:\n", "a:\n  b:\n    c: d\n  e: f\n", "a:   b   \n",
    "---\na: 1\n", "--- \na: 1\n", "--- # c\na: 1\n", "---\n# c\na: 1\n# end\n", "--- a: 1\n", "---a: 1\n", "a: 1\n...\n",
    "a: 1\n  b: 2\n", "a:\n    b: 1\n  c: 2\n", "a: 1\na: 2\n", "'a': 1\na: 2\n", "a: b\n  c\n", "- a\n  b\n", "a:\n- b\n  c: d\n",
    "a: 'x\n  y'\n", "a: \"x\n  y\"\n", "key: value\n\n\n  \nother: 2\n", "a:\n  # comment\n  b: 1\n", "  a: 1\n  b: 2\n",
    "  a: 1\nb: 2\n", "a: 1\n- b\n", "- a\nb: 1\n", "? a\n: b\n", "a: &x 1\nb: *x\n", "<<: {a: 1}\nb: 2\n", "a: b: c\n",
    "\"a b\": 1\n'c''d': 2\n", "a : 1\n", "a:b: 1\n", "a:b\n", "x\n", "", "# only a comment\n", "~\n", "- \n",
    "a:\n  - b: 1\n    c:\n    - d\n  - e\n", "-   a: 1\n    b: 2\n- c\n", "a: 1\r\nb: 2\r\n", "a:\t1\n", "\ta: 1\n", "a: 1 #c\n#c\nb: 2\n",
    "a: {}\nb: []\nc: {}  # x\n", "a: {b: 1}\n", "a: [1, 2]\n", "a: |\n  x\n", "a: >\n  x\n", "a: !!str 1\n", "%YAML 1.1\n---\na: 1\n",
    "a:\n  b: 1\n c: 2\n", "- a\n - b\n", "a:\n- b\n- c\n d: 1\n", "\"a\":1\n", "\"a\" : 1\n", "'a'#: 1\n", "a #b: c\n", "- a #b: c\n",
    "a:\n  -   b\n  -   c\n", "- a: 1\n  - b\n", "- a: 1\n   b: 2\n", "- a: 1\n b: 2\n", "a: 1\n\n\n", "\n\na: 1\n", "a: 1", "a:",
    String(repeating: "k", count: 1100) + ": 1\n", "\"" + String(repeating: "k", count: 1100) + "\": 1\n",
  ]

  @Test func blockLayouts() {
    for text in Self.layouts { Self.expectParity(text, "\(quoted(text))") }
  }

  @Test func deepNestingIsLeftToYams() {
    var text = ""
    for depth in 0..<(BlockYAMLParser.maxDepth + 5) { text += String(repeating: "  ", count: depth) + "k\(depth):\n" }
    text += String(repeating: "  ", count: BlockYAMLParser.maxDepth + 5) + "v: 1\n"
    #expect(Self.fastDocuments(text) == 0)
    Self.expectParity(text)
    let shallow = "a:\n  b:\n    - c: d\n"
    #expect(Self.fastDocuments(shallow) == 1)
  }

  /// The layouts a writer of block YAML uses do take the fast path (so the parity above is not vacuous).
  @Test func commonLayoutsTakeTheFastPath() {
    let common = [
      "a:\n- 1\n- 2\nb: 3\n", "a:\n  - 1\nb: 3\n", "- - a\n  - b\n", "-\n  a: 1\n- b\n", "--- # c\na: 1\n", "a:\n  # c\n  b: 1\n",
      "'a''b': \"c d\"\n", "a: {}\nb: []\n", "a: 010 # octal\nb: yes\nc: ~\nd:\n", "-   a: 1\n    b: 2\n",
    ]
    for text in common { #expect(Self.fastDocuments(text) == 1, "\(quoted(text))") }
  }

  @Test func safeDumpOutputTakesTheFastPath() {
    // As `yaml.safe_dump_all` writes a Service and its EndpointSlice.
    let text = """
      apiVersion: v1
      kind: Service
      metadata:
        name: svc0
        namespace: ns0
      spec:
        clusterIP: 172.16.0.0
        clusterIPs:
        - 172.16.0.0
        ports:
        - name: http
          port: 80
          protocol: TCP
          targetPort: 8080
        selector:
          app: svc0
        type: ClusterIP
      ---
      addressType: IPv4
      apiVersion: discovery.k8s.io/v1
      endpoints:
      - addresses:
        - 10.0.0.0
        conditions:
          ready: true
        nodeName: node0
      kind: EndpointSlice
      metadata:
        labels:
          kubernetes.io/service-name: svc0
        name: svc0-abcde
        namespace: ns0
      ports:
      - name: http
        port: 8080
        protocol: TCP

      """
    #expect(Self.fastDocuments(text) == 2)
    Self.expectParity(text)
    #expect((try? Self.decode(text, fastPath: true).get().objects.count) == 2)
  }
}

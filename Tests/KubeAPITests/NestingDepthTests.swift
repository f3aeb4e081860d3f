import Testing
import Yams

// Deeply nested documents are rejected before Yams' recursive composer could overflow the stack;
// the pre-parse depth estimate never undercounts real manifests and tricky YAML.
@testable import KubeAPI

@Suite struct NestingDepthTests {
  /// The real nesting depth of a parsed node (scalars are depth 0).
  static func depth(_ node: Yams.Node) -> Int {
    if let sequence = node.sequence { return 1 + (sequence.map(depth).max() ?? 0) }
    if let mapping = node.mapping { return 1 + (mapping.map { max(depth($0.key), depth($0.value)) }.max() ?? 0) }
    return 0
  }

  static let tricky: [String] = [
    "a: {b: [c, {d: [e, [f]]}]}\n",
    "a: \"]]]]\"\nb: [[[[x]]]]\n",
    "a: '}}}'\nb:\n  - [[[[1]]]]\n",
    "a: x\n  ['\nb: [[[[1]]]]\n",
    "a: it's\nb: [[[[1]]]]\nc: 'it''s ]]]'\nd: [[[[[[2]]]]]]\n",
    "a: |\n  x: ['\n  ]]]]\nb: [[[[1]]]]\n",
    "- a: |\n    ]]]]\n  b: [[[[1]]]]\n",
    "a: >-\n  ]]] '\n\nb: [[[1]]]\n",
    "a: &x \"]]]\"\nb: [[[[1]]]]\n",
    "a: !!str ']]]'\nb: [[[[1]]]]\n",
    "[a, 'b]]', \"c]]\", [[[d]]]]\n",
    "{\"a\":\"]]\",\"b\":[[[{\"c\":[1]}]]]}\n",
    "a: # it's ]]]\n  [[[[1]]]]\n",
    "a: [ # ]]]]\n  [[[1]]]]\n",
    "a: \"multi\n  line ]]]]\"\nb: [[[[1]]]]\n",
    "a: x # ' \nb: [[[[1]]]]\n",
    "- - - - - [[[x]]]\n",
    "a:\n  b:\n    c:\n      d:\n        - e:\n            - [f]\n",
    "? [[[a]]]\n: [[[b]]]\n",
    "a: -'x\nb: [[[[1]]]]\n",
    "a: [b, -'c', [[d]]]\n",
    "a: \"\\\"]]]\"\nb: [[[[1]]]]\n",
  ]

  @Test(arguments: tricky) func estimateIsAtLeastTheRealDepth(_ text: String) throws {
    let node = try #require(try Yams.compose(yaml: text))
    #expect(NestingDepthBound.estimate(in: text[...]) >= Self.depth(node))
  }

  @Test func realManifestsAreFarBelowTheLimit() throws {
    for text in [HappyPathTests.multiDocument, HappyPathTests.serviceListJSON] {
      for document in ManifestDocuments.split(text) {
        let node = try #require(try Yams.compose(yaml: String(document.text)))
        let estimate = NestingDepthBound.estimate(in: document.text)
        #expect(estimate >= Self.depth(node))
        #expect(estimate < 40)
      }
    }
  }

  static let deep = NestingDepthBound.limit + 100

  @Test(arguments: [
    String(repeating: "[", count: deep) + String(repeating: "]", count: deep),
    "{\"a\": " + String(repeating: "{\"b\": ", count: deep) + "1" + String(repeating: "}", count: deep + 1),
    "a: \"]]]]\"\nb: " + String(repeating: "[", count: deep) + String(repeating: "]", count: deep),
    "a: x\n  ['\nb: " + String(repeating: "[", count: deep) + String(repeating: "]", count: deep),
    String(repeating: "- ", count: deep) + "x\n",
    (0..<deep).map { String(repeating: " ", count: $0) + "k\($0):\n" }.joined(),
  ])
  func deepDocumentsAreRejected(_ text: String) {
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(text, file: "deep.yaml", into: &set)
    } throws: { error in
      (error as? ManifestError)?.message.hasPrefix("document nests more than \(NestingDepthBound.limit) levels deep at line ") == true
    }
  }

  @Test func veryDeepJSONDoesNotCrash() {
    let depth = 200_000
    let text = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
    var set = ObjectSet()
    #expect {
      try ManifestDecoder.decode(text, file: "deep.json", into: &set)
    } throws: { error in
      (error as? ManifestError)?.description == "deep.json doc 1: document nests more than 512 levels deep at line 1"
    }
  }
}

// ValidName's allocation-free checks agree with NameSyntax's full checks (which build the
// reasons) on edge cases and on many generated names.
import Testing

@testable import KubeAPI

@Suite struct ValidNameTests {
  static var checks: [(String, (String) -> Bool, (String) -> String?)] {
    [
      ("DNS-1035 label", ValidName.isDNS1035Label, NameSyntax.dns1035LabelProblemInFull),
      ("DNS-1123 label", ValidName.isDNS1123Label, NameSyntax.dns1123LabelProblemInFull),
      ("DNS-1123 subdomain", ValidName.isDNS1123Subdomain, NameSyntax.dns1123SubdomainProblemInFull),
      ("label value", ValidName.isLabelValue, NameSyntax.labelValueProblemInFull),
      ("qualified name", ValidName.isQualifiedName, NameSyntax.qualifiedNameProblemInFull),
    ]
  }

  static func expectAgreement(_ text: String) {
    for (what, valid, problem) in checks {
      #expect(valid(text) == (problem(text) == nil), "\(what): \(quoted(text))")
    }
  }

  @Test(arguments: [
    "", "a", "A", "0", "-", "a-", "-a", "a-b", "0a", "a.b", ".a", "a.", "a..b", "a/b", "/a", "a/", "a/b/c", "example.com/my-name",
    "Example.com/x", "e.com/_x", "e.com/x_", "e.com/x_y.z-1", "x_y", "_x", "a b", "é", "a/\u{301}b", "é.com/x",
    String(repeating: "a", count: 63), String(repeating: "a", count: 64), String(repeating: "a.", count: 126) + "a",
    String(repeating: "a.", count: 126) + "ab", String(repeating: "b", count: 63) + "/x", "p/" + String(repeating: "c", count: 64),
  ])
  func edgeCasesAgree(_ text: String) {
    Self.expectAgreement(text)
  }

  @Test func generatedNamesAgree() {
    var state: UInt64 = 0x5eed
    func next() -> UInt64 {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return state >> 33
    }
    let alphabet = Array("ab09Z-_./".unicodeScalars) + ["é", " "]
    for _ in 0..<50_000 {
      let length = Int(next() % 12)
      var text = ""
      for _ in 0..<length { text.unicodeScalars.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
      Self.expectAgreement(text)
    }
  }
}

// YAML scalars as kubectl reads them (YAML 1.1: 010 is octal 8, 0x50 is 80, yes/on/y are true),
// and quoted or `!!str` ones, which stay strings.
import KubeAPI
import Testing

/// Integer spellings as kubectl's YAML reader (go-yaml v2, YAML 1.1) turns them into JSON
/// integers: the API server, and so kproxy, sees the value kubectl sends.
@Suite struct YAMLIntegerTests {
  @Test(arguments: [
    ("80", 80), ("+80", 80), ("010", 8), ("0o120", 80), ("0x50", 80), ("0X50", 80), ("0b1010000", 80), ("8_0", 80), ("0_120", 80),
    ("!!int \"80\"", 80), ("!!int 0x50", 80),
  ])
  func portSpellings(spelling: String, port: Int) throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(serviceYAML("ports: [{port: \(spelling)}]"), file: "t.yaml", into: &set)
    #expect(set.services.first?.ports.first?.port == port)
  }

  /// Quoted or `!!str`, a number is a string (here a label value, which must be a string).
  @Test(arguments: ["\"010\"", "!!str 010", "'010'", "! 010"])
  func stringsStayStrings(spelling: String) throws {
    var set = ObjectSet()
    try ManifestDecoder.decode("apiVersion: v1\nkind: Pod\nmetadata: {name: p, labels: {v: \(spelling)}}\n", file: "t.yaml", into: &set)
    #expect(set.pods.first?.meta.labels == ["v": "010"])
  }

  @Test(arguments: [("yes", true), ("On", true), ("y", true), ("TRUE", true), ("no", false), ("off", false), ("N", false)])
  func yaml11Booleans(spelling: String, value: Bool) throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(
      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {hostNetwork: \(spelling)}\n", file: "t.yaml", into: &set)
    #expect(set.pods.first?.hostNetwork == value)
  }
}

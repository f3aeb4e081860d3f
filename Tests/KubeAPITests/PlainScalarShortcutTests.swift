// ScalarValue.resolvePlainYAML's shortcuts (words, the integer-byte refusal) give the same result
// as the full YAML 1.1 resolution on a generated corpus of words, numbers and near-misses.
import Testing

@testable import KubeAPI

@Suite struct PlainScalarShortcutTests {
  static let corpus: [String] = {
    var words = [
      "y", "Y", "yes", "Yes", "YES", "yES", "n", "N", "no", "No", "NO", "nO", "on", "On", "ON", "oN", "off", "Off", "OFF", "oFF",
      "true", "True", "TRUE", "tRUE", "false", "False", "FALSE", "null", "Null", "NULL", "nULL", "nulls", "~", "", "e", "E", "e5",
      "E5", "e+5", "inf", "nan", "Infinity", "infinity", "NaN", ".inf", ".nan", "x10", "a", "abcdef", "yes!", "yess", "nodeName",
      "0x1F", "0X1f", "0o17", "0O17", "0b101", "0B101", "010", "08", "1_000", "_1", "-0x10", "+0b1", "1.5", "1e3", "10.0.0.1",
      "2001:db8::1", "0x", "0o", "-", "+", "-_", "0xG", "0b2", "0o8", "abc1", "f", "F", "fa", "falsey", "z9", "ZZZZZZ",
    ]
    let alphabet = ["y", "n", "o", "f", "e", "E", "0", "1", "x", "_", "-", ".", "N", "l", "u"]
    for a in alphabet {
      for b in alphabet {
        words.append(a + b)
        for c in alphabet { words.append(a + b + c) }
      }
    }
    return words
  }()

  @Test func shortcutAgreesWithFullResolution() {
    for word in Self.corpus {
      #expect(ScalarValue.resolvePlainYAML(word) == ScalarValue.resolvePlainYAMLInFull(word), "\(quoted(word))")
    }
  }
}

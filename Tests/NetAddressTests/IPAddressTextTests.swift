// The byte-level IP parsers (IPAddressText) against the String-based parsers they replaced, kept
// here verbatim as the reference: the same answer for edge cases and for many generated texts.
import TestSupport
import Testing

@testable import NetAddress

/// The IPv4/IPv6 text parsers NetAddress had before IPAddressText (only their results changed form).
enum ReferenceIPParser {
  static func ipv4(_ text: some StringProtocol, allowingLeadingZeros: Bool) -> UInt32? {
    var parts: [UInt32] = []
    var current: UInt32 = 0
    var digits = 0
    var leadingZero = false
    for byte in text.utf8 {
      if byte == UInt8(ascii: ".") {
        guard digits > 0, parts.count < 3 else { return nil }
        parts.append(current)
        current = 0
        digits = 0
        leadingZero = false
      } else if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
        if digits == 1 && leadingZero && !allowingLeadingZeros { return nil }
        if digits == 0 && byte == UInt8(ascii: "0") { leadingZero = true }
        current = current * 10 + UInt32(byte - UInt8(ascii: "0"))
        digits += 1
        guard digits <= (allowingLeadingZeros ? 32 : 3), current <= 255 else { return nil }
      } else {
        return nil
      }
    }
    guard digits > 0, parts.count == 3 else { return nil }
    parts.append(current)
    return parts[0] << 24 | parts[1] << 16 | parts[2] << 8 | parts[3]
  }

  static func ipv6(_ text: some StringProtocol, allowingLeadingZeros: Bool) -> [UInt16]? {
    let s = String(text)
    guard s.utf8.count >= 2, s.utf8.count <= (allowingLeadingZeros ? 128 : 45) else { return nil }
    var halves: [String] = []
    if let r = s.firstRange(of: "::") {
      halves = [String(s[..<r.lowerBound]), String(s[r.upperBound...])]
      guard !halves[1].contains("::"), !halves[1].hasPrefix(":"), !halves[0].hasSuffix(":") else { return nil }
    } else {
      halves = [s]
    }
    func parseGroups(_ part: String, allowV4Tail: Bool) -> [UInt16]? {
      if part.isEmpty { return [] }
      let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
      var out: [UInt16] = []
      for (i, piece) in pieces.enumerated() {
        if allowV4Tail, i == pieces.count - 1, piece.contains(".") {
          guard let v4 = ipv4(piece, allowingLeadingZeros: allowingLeadingZeros) else { return nil }
          out += [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
        } else {
          guard !piece.isEmpty, piece.utf8.count <= 4,
            piece.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }),
            let g = UInt16(piece, radix: 16)
          else { return nil }
          out.append(g)
        }
      }
      return out
    }
    if halves.count == 2 {
      guard let head = parseGroups(halves[0], allowV4Tail: false),
        let tail = parseGroups(halves[1], allowV4Tail: true),
        head.count + tail.count <= 7
      else { return nil }
      return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    } else {
      guard let all = parseGroups(s, allowV4Tail: true), all.count == 8 else { return nil }
      return all
    }
  }

}

@Suite struct IPAddressTextTests {
  static func v4(_ text: String, _ leadingZeros: Bool) -> UInt32? { IPv4Address(text, allowingLeadingZeros: leadingZeros)?.value }
  static func v6(_ text: String, _ leadingZeros: Bool) -> [UInt16]? { IPv6Address(text, allowingLeadingZeros: leadingZeros)?.groups }

  static func expectSame(_ text: String) {
    for leadingZeros in [false, true] {
      #expect(v4(text, leadingZeros) == ReferenceIPParser.ipv4(text, allowingLeadingZeros: leadingZeros), "IPv4 \(text) \(leadingZeros)")
      #expect(v6(text, leadingZeros) == ReferenceIPParser.ipv6(text, allowingLeadingZeros: leadingZeros), "IPv6 \(text) \(leadingZeros)")
    }
  }

  @Test(arguments: [
    "", ".", "1", "1.2.3.4", "0.0.0.0", "255.255.255.255", "256.0.0.0", "1.2.3.", ".1.2.3", "1..2.3", "1.2.3.4.5",
    "01.2.3.4", "00.0.0.0", "0.0.0.00", "001.002.003.004", "0000000000000000000000000000001.2.3.4",
    "000000000000000000000000000000001.2.3.4", "1.2.3.255", "1.2.3.256", "1.2.3.0255", "1.2.3.4 ", " 1.2.3.4", "1.2.3.4\n",
    "١.2.3.4", "1.2.3.4\u{301}", "+1.2.3.4", "-1.2.3.4", "1.2.3.4/8",
    "::", ":", ":::", "::::", "::1", "1::", "1::2", "1::2::3", "1:::2", ":1::", "1::2:", "::1:", ":1:2:3:4:5:6:7:8",
    "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4::5:6:7:8",
    "12345::", "abcd::EF01", "g::1", "fe80::1%eth0", "::ffff:1.2.3.4", "::ffff:1.2.3", "::ffff:01.2.3.4", "::1.2.3.4",
    "1.2.3.4::", "::1.2.3.4:1", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4", "1:2:3:4:5:1.2.3.4", "1::2:3:4:5:6:1.2.3.4",
    "1::1.2.3.4.5", "::ffff:256.1.1.1", "0000:0000:0000:0000:0000:0000:0000:0001", "00000::1", "::\u{301}", "1::\u{301}2",
    "::ffff:0001.2.3.4", "::ffff:1.2.3.4\r\n", "a:b:c:d:e:f:0:1.2.3.4",
  ])
  func edgeCasesAgree(_ text: String) {
    Self.expectSame(text)
  }

  @Test func longLeadingZeroTexts() {
    let zeros = String(repeating: "0", count: 40)
    Self.expectSame("::ffff:\(zeros)1.2.3.4")
    Self.expectSame("\(zeros)1::")
    Self.expectSame("::" + String(repeating: "0:", count: 40) + "1")
    Self.expectSame(String(repeating: "1:", count: 60) + "1")
  }

  /// Texts drawn from the characters addresses are made of, in lengths around the limits.
  @Test func generatedTextsAgree() {
    var generator = SeededRandom(seed: 0x1b873593)
    let alphabet = Array("0123456789abcdefABCDEFg:::...%x ".utf8)
    for _ in 0..<100_000 {
      let length = Int(generator.next() % 24)
      var bytes: [UInt8] = []
      for _ in 0..<length { bytes.append(alphabet[Int(generator.next() % UInt64(alphabet.count))]) }
      Self.expectSame(String(decoding: bytes, as: UTF8.self))
    }
    // Near-valid IPv6: eight random groups with random `::` and dotted-quad tails.
    for _ in 0..<50_000 {
      var parts: [String] = []
      for _ in 0..<(1 + Int(generator.next() % 9)) {
        switch generator.next() % 6 {
        case 0: parts.append("")
        case 1: parts.append("\(generator.next() % 256).\(generator.next() % 256).\(generator.next() % 300).\(generator.next() % 256)")
        default: parts.append(String(generator.next() % 0x1_0000, radix: 16))
        }
      }
      Self.expectSame(parts.joined(separator: ":"))
    }
  }
}

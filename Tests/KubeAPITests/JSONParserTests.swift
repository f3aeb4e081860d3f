// The JSON fast path's parser on its own: every escape, unicode and surrogate pairs, the number
// grammar, literals, empty containers, duplicate keys, the depth bound and what it must refuse.
import Testing

@testable import KubeAPI

@Suite struct JSONParserTests {
  /// A JSON tree as a plain value, for comparisons.
  indirect enum Plain: Equatable {
    case null, bool(Bool), number(String), string(String), array([Plain]), object([String], [Plain])
  }

  static func plain(_ tape: JSONTape, _ index: Int = 0) -> Plain {
    let entry = tape[index]
    switch entry.kind {
    case .null: return .null
    case .false: return .bool(false)
    case .true: return .bool(true)
    case .number: return .number(tape.numberText(index))
    case .string: return .string(tape.string(index))
    case .array, .object:
      var keys: [String] = []
      var values: [Plain] = []
      var child = JSONTape.firstChild(index)
      for _ in 0..<Int(entry.start) {
        if entry.kind == .object { keys.append(tape.key(child)) }
        values.append(plain(tape, child))
        child = Int(tape[child].next)
      }
      #expect(child == Int(entry.next), "a container's next entry follows its last child")
      return entry.kind == .object ? .object(keys, values) : .array(values)
    }
  }

  static func parse(_ text: String) -> Plain? { JSONParser.parse(Array(text.utf8)).map { plain($0) } }

  @Test func escapes() {
    #expect(Self.parse(#"["\"\\\/\b\f\n\r\t"]"#) == .array([.string("\"\\/\u{8}\u{C}\n\r\t")]))
    #expect(Self.parse(#"["a\u0041\u00e9\u65E5\u0000z"]"#) == .array([.string("aAé日\u{0}z")]))
    #expect(Self.parse(#"["\uD83D\uDE00", "\ud834\udd1e"]"#) == .array([.string("😀"), .string("𝄞")]))
    #expect(Self.parse("[\"raw é 日本 😀\"]") == .array([.string("raw é 日本 😀")]))
  }

  @Test(arguments: [
    #"["\uD83D"]"#, #"["\uDE00"]"#, #"["\uD83Dx"]"#, #"["\uD83D\u0041"]"#, #"["\uD83D\n"]"#, #"["\u12"]"#, #"["\u12G4"]"#,
    #"["\x"]"#, #"["\'"]"#, "[\"a\u{1}b\"]", "[\"tab\tinside\"]", "[\"line\nbreak\"]", #"["open"#, #"["\"#,
  ])
  func badStringsAreRefused(_ text: String) {
    #expect(Self.parse(text) == nil)
  }

  @Test func numbersKeepTheirText() {
    let numbers = ["0", "-0", "12", "-12", "1.5", "-0.25", "1e5", "1E+2", "-2.5E-3", "99999999999999999999", "0e0"]
    #expect(Self.parse("[" + numbers.joined(separator: ",") + "]") == .array(numbers.map { .number($0) }))
  }

  @Test(arguments: ["[01]", "[-]", "[1.]", "[.5]", "[1e]", "[1e+]", "[+1]", "[0x10]", "[-a]", "[1.5.2]", "[Infinity]", "[NaN]"])
  func badNumbersAreRefused(_ text: String) {
    #expect(Self.parse(text) == nil)
  }

  @Test func literalsAndContainers() {
    #expect(Self.parse("{}") == .object([], []))
    #expect(Self.parse("[]") == .array([]))
    #expect(
      Self.parse(" \t\r\n[ true , false,null ,{ } ,[ ]]\n\t") == .array([.bool(true), .bool(false), .null, .object([], []), .array([])]))
    #expect(
      Self.parse(#"{"a":{"b":[1,{"c":"d"}]},"e":[]}"#)
        == .object(["a", "e"], [.object(["b"], [.array([.number("1"), .object(["c"], [.string("d")])])]), .array([])]))
  }

  @Test func duplicateKeysAreKeptInOrder() {
    #expect(Self.parse(#"{"a":1,"b":2,"a":3}"#) == .object(["a", "b", "a"], [.number("1"), .number("2"), .number("3")]))
  }

  @Test(arguments: [
    "", " ", "{", "[", "}", "{} x", "{}}", "[1]]", "[1,]", "{\"a\":1,}", "[1 2]", "{\"a\" 1}", "{a:1}", "{'a':1}", "{\"a\":}", "[tru]",
    "[nul]", "[True]", "{} {}", "[1]\u{0}", "{\"a\":1 # c\n}", "\u{FEFF}{}", "[\u{A0}1]",
  ])
  func invalidTextIsRefused(_ text: String) {
    #expect(Self.parse(text) == nil)
  }

  @Test func nestingIsBoundedByTheLimit() {
    let limit = NestingDepthBound.limit
    let deepest = String(repeating: "[", count: limit) + String(repeating: "]", count: limit)
    #expect(Self.parse(deepest) != nil)
    let tooDeep = String(repeating: "[", count: limit + 1) + String(repeating: "]", count: limit + 1)
    #expect(Self.parse(tooDeep) == nil)
    let objects = String(repeating: #"{"a":"#, count: limit + 1) + "1" + String(repeating: "}", count: limit + 1)
    #expect(Self.parse(objects) == nil)
  }
}

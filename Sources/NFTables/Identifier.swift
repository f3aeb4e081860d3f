// Rules for names and comments that reach nft text: the last line of defence against
// syntax injection (inputs are validated earlier, in KubeAPI).

public enum Identifier {
  /// nft's NFT_NAME_MAXLEN is 256 including the terminating NUL.
  public static let maxLength = 255

  /// True if `name` is a valid chain/set/table identifier that nft parses unquoted:
  /// starts with a letter, `_` or `.`, continues with `[A-Za-z0-9_./-]`.
  public static func isValid(_ name: String) -> Bool {
    let u = name.utf8
    guard let first = u.first, u.count <= maxLength else { return false }
    guard isLetter(first) || first == UInt8(ascii: "_") || first == UInt8(ascii: ".") else { return false }
    for c in u {
      guard
        isLetter(c) || isDigit(c) || c == UInt8(ascii: "_") || c == UInt8(ascii: ".") || c == UInt8(ascii: "/")
          || c == UInt8(ascii: "-")
      else { return false }
    }
    return true
  }

  /// nft limits comments to 128 bytes (NFT_USERDATA_MAXLEN is 256; nft itself uses 128).
  public static let maxCommentLength = 128

  /// True if `comment` is safe inside double quotes: printable ASCII without `"` or `\`.
  public static func isValidComment(_ comment: String) -> Bool {
    let u = comment.utf8
    guard u.count <= maxCommentLength else { return false }
    return u.allSatisfy { $0 >= 0x20 && $0 < 0x7f && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }
  }

  private static func isLetter(_ c: UInt8) -> Bool { (c >= 65 && c <= 90) || (c >= 97 && c <= 122) }
  private static func isDigit(_ c: UInt8) -> Bool { c >= 48 && c <= 57 }
}

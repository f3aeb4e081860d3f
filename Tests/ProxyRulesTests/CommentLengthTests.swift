// Names and comments at Kubernetes' length limits stay within nft's: comments longer than 128
// bytes are shortened deterministically (prefix, "...", hash), names stay under 255 bytes.
import KubeAPI
import NFTables
import ProxyRules
import ServiceProxy
import Testing

@Suite struct CommentLengthTests {
  static let long63 = String(repeating: "a", count: 62) + "z"

  @Test(arguments: [0, 1, 127, 128])
  func commentsWithinTheLimitAreKept(length: Int) {
    let text = String(repeating: "c", count: length)
    #expect(Names.comment(text) == text)
  }

  @Test func longCommentsAreShortenedToAPrefixAndAHash() throws {
    let name = ServicePortName(
      service: NamespacedName(namespace: "ns-" + Self.long63.dropFirst(3), name: "svc" + Self.long63.dropFirst(3)),
      port: "port" + Self.long63.dropFirst(4), protocol_: .sctp)
    let full = name.description
    #expect(full.utf8.count == 191)
    let short = Names.comment(name)
    #expect(short.utf8.count == Identifier.maxCommentLength)
    #expect(Identifier.isValidComment(short))
    #expect(short.hasPrefix(String(full.prefix(117))))
    #expect(short.dropFirst(117).prefix(3) == "...")
    // The hash is SHA-256 of the whole comment, base32, 8 characters (as in chain names).
    let hash = short.suffix(8)
    #expect(hash.allSatisfy { ("A"..."Z").contains($0) || ("2"..."7").contains($0) })
    // Deterministic, and two comments differing only in the cut-off part stay distinct.
    #expect(Names.comment(name) == short)
    var other = name
    other.port = String(name.port.dropLast()) + "y"
    #expect(Names.comment(other).prefix(117) == short.prefix(117))
    #expect(Names.comment(other) != short)
  }

  @Test func theLengthLimitsFixtureStaysWithinNftLimits() throws {
    // fixtures/length-limits: every Kubernetes name at its maximum, dual-stack, every kind of
    // per-service chain, set and element comment. It compiled to an invalid transaction
    // ("internal: invalid comment on element ...") before comments were shortened.
    let r = try Fixtures.compile("length-limits")
    #expect(r.ruleset.replaceTransaction().error == nil)
    #expect(r.ruleset.tables.map(\.family) == [.ip, .ip6])
    var longestComment = 0
    for t in r.ruleset.tables {
      for c in t.chains {
        #expect(c.name.utf8.count <= Identifier.maxLength)
        for rule in c.rules { longestComment = max(longestComment, rule.comment?.utf8.count ?? 0) }
      }
      for s in t.sets {
        #expect(s.name.utf8.count <= Identifier.maxLength)
        for e in s.elements { longestComment = max(longestComment, e.comment?.utf8.count ?? 0) }
      }
      // Every kind of per-service chain and set is there.
      for prefix in ["service-", "local-", "external-", "affinity-"] {
        #expect(t.chains.contains { $0.name.hasPrefix(prefix) } || t.sets.contains { $0.name.hasPrefix(prefix) }, "\(prefix)")
      }
    }
    #expect(longestComment == Identifier.maxCommentLength)
  }
}

// The ruleset generation (`struct nftnl_gen`): read before and after a multi-part dump to
// tell whether the ruleset changed in between, and by the sync loop to detect drift.
import CNftnl

/// The corresponding libnftnl calls are `nftnl_gen_alloc` / `nftnl_gen_free`.
final class NftnlGeneration {
  private let pointer: OpaquePointer

  init() throws {
    guard let p = nftnl_gen_alloc() else { throw NetlinkError.outOfMemory(what: "generation") }
    pointer = p
  }

  deinit { nftnl_gen_free(pointer) }

  /// The corresponding libnftnl call is `nftnl_gen_nlmsg_parse`.
  func parse(_ nlh: UnsafePointer<nlmsghdr>) -> Bool { nftnl_gen_nlmsg_parse(nlh, pointer) >= 0 }

  var id: UInt32 { nftnl_gen_get_u32(pointer, UInt16(NFTNL_GEN_ID)) }
}

extension NetlinkClient {
  /// The ruleset generation id (NFT_MSG_GETGEN): each committed batch, of any process, moves
  /// it by one, so an unchanged id means nobody committed in between.
  public func rulesetGeneration() throws -> UInt32 { try generation() }
}

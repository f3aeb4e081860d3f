// Backends that can commit against a known ruleset generation and tell the generation their
// commit produced, in an identified network namespace: what a set state file needs.
import NFTNetlink
import NFTables

/// A `Backend` whose commits are checked against a generation (netlink only: `nft -f` cannot
/// carry one).
public protocol GenerationCheckedBackend: Backend {
  /// The ruleset generation now.
  func generation() throws -> UInt32
  /// The network namespace the backend works in; nil when it cannot be told.
  func namespaceIdentity() throws -> NamespaceIdentity?
  /// Applies `tx` only if the generation is still `generation` (else
  /// `NetlinkError.isStaleGeneration`); returns the generation the commit produced, when known.
  func apply(_ tx: Transaction, desired: Ruleset, expectingGeneration generation: UInt32) throws -> UInt32?
}

extension NetlinkBackend: GenerationCheckedBackend {
  public func generation() throws -> UInt32 { try client.rulesetGeneration() }

  public func namespaceIdentity() throws -> NamespaceIdentity? {
    try NetlinkBackend.identity(client)
  }

  public func apply(_ tx: Transaction, desired: Ruleset, expectingGeneration generation: UInt32) throws -> UInt32? {
    try client.apply(tx, knownSets: desired, expectingGeneration: generation)
  }

  static func identity(_ client: NetlinkClient) throws -> NamespaceIdentity? {
    guard let boot = NamespaceIdentity.currentBootID() else { return nil }
    return NamespaceIdentity(bootID: boot, cookie: try client.namespaceCookie(), inode: try client.namespaceInode())
  }
}

// The netlink transaction backend: one NetlinkClient, used by one task at a time (an actor),
// its errors mapped to `DataplaneError`.
import NFTNetlink
import NFTables

/// Applies transactions as NFNL batches and reads back through one netlink socket.
public actor NetlinkTransactionBackend: TransactionBackend {
  private let client: NetlinkClient

  /// Opens a netlink socket, inside `namespace` when given.
  public init(namespace: NetworkNamespace? = nil) throws {
    client = try DataplaneError.mapping { try NetlinkClient(namespace: namespace) }
  }

  public func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext) throws {
    try DataplaneError.mapping { try client.apply(tx, knownSets: knownSets) }
  }

  public func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset {
    try DataplaneError.mapping { try client.currentRuleset(tables: tables, spelling: spelling) }
  }

  public func currentRuleset(tables: [TableRef], spelling: Ruleset?, elementDumpLimit: Int) throws -> (Ruleset, UnreadElements) {
    try DataplaneError.mapping {
      let read = try client.currentRuleset(tables: tables, spelling: spelling, elementDumpLimit: elementDumpLimit)
      return (read.ruleset, read.unread)
    }
  }

  public func generation() throws -> UInt32 {
    try DataplaneError.mapping { try client.rulesetGeneration() }
  }

  public func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext, expectingGeneration generation: UInt32) throws -> UInt32? {
    try DataplaneError.mapping { try client.apply(tx, knownSets: knownSets, expectingGeneration: generation) }
  }

  public func namespaceIdentity() throws -> NamespaceIdentity? {
    try DataplaneError.mapping { try NetlinkBackend.identity(client) }
  }
}

/// Applies transactions through `nft -f -` (reading back and the generation through netlink).
public actor NftTransactionBackend: TransactionBackend {
  private let nft: NftBackend
  private let client: NetlinkClient

  public init(namespace: NetworkNamespace? = nil, nftPath: String = "nft") throws {
    nft = try DataplaneError.mapping { try NftBackend(namespace: namespace, nftPath: nftPath) }
    client = try DataplaneError.mapping { try NetlinkClient(namespace: namespace) }
  }

  public func apply(_ tx: Transaction, knownSets: Ruleset, context: SyncContext) throws {
    try DataplaneError.mapping { try nft.apply(tx, desired: knownSets) }
  }

  public func currentRuleset(tables: [TableRef], spelling: Ruleset?) throws -> Ruleset {
    try DataplaneError.mapping { try nft.currentRuleset(tables: tables, spelling: spelling) }
  }

  public func generation() throws -> UInt32 {
    try DataplaneError.mapping { try client.rulesetGeneration() }
  }
}

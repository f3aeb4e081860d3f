// Table families, hooks, chain types and the base-chain description of a chain that is
// attached to a netfilter hook.

/// The family of an nftables table. Renders as `ip`, `ip6`, `inet`.
public enum TableFamily: String, Sendable, Hashable, CaseIterable, Comparable {
  case ip
  case ip6
  case inet

  public static func < (a: TableFamily, b: TableFamily) -> Bool {
    let order: [TableFamily] = [.ip, .ip6, .inet]
    return order.firstIndex(of: a)! < order.firstIndex(of: b)!
  }
}

/// A netfilter hook. Renders as `prerouting`, `input`, ...
public enum Hook: String, Sendable, Hashable {
  case prerouting, input, forward, output, postrouting
}

/// The type of a base chain. Renders as `filter`, `nat`, `route`.
public enum ChainType: String, Sendable, Hashable {
  case filter, nat, route
}

/// What makes a chain a base chain: `type T hook H priority P; policy accept;`.
public struct BaseChain: Sendable, Hashable {
  public var type: ChainType
  public var hook: Hook
  /// Numeric priority (nft's `dstnat` is -100, `srcnat` is 100, `filter` is 0).
  public var priority: Int
  /// The chain policy; kproxy only uses `accept` (never drop traffic it does not own).
  public var policyAccept: Bool

  public init(type: ChainType, hook: Hook, priority: Int, policyAccept: Bool = true) {
    self.type = type
    self.hook = hook
    self.priority = priority
    self.policyAccept = policyAccept
  }

  public static let dstnatPriority = -100
  public static let srcnatPriority = 100
}

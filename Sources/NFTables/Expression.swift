// The typed rule vocabulary: what a rule loads (fields), how it compares, and what it does
// (statements and verdicts). Both backends switch over these enums exhaustively.
import NetAddress

/// The IP version a field refers to in `ip`/`ip6` tables.
public enum IPVersion: Sendable, Hashable {
  case v4, v6

  /// `ip` or `ip6`, the payload protocol keyword.
  public var keyword: String { self == .v4 ? "ip" : "ip6" }
  public var addressType: DataType { self == .v4 ? .ipv4Addr : .ipv6Addr }
}

/// A value a rule loads into a register.
public enum Field: Sendable, Hashable {
  /// `ip saddr` / `ip6 saddr`.
  case saddr(IPVersion)
  /// `ip daddr` / `ip6 daddr`.
  case daddr(IPVersion)
  /// `meta l4proto`.
  case l4proto
  /// `th dport`: the destination port of any transport header.
  case thDport
  /// `tcp dport`, `udp dport`, `sctp dport` (implies a protocol match).
  case dport(IPProto)
  /// `meta mark`.
  case mark
  /// `numgen random mod N`.
  case numgenRandom(mod: UInt32)
  /// `fib saddr type` / `fib daddr type`.
  case fibSaddrType
  case fibDaddrType
  /// `ct state`, `ct status`.
  case ctState
  case ctStatus
}

/// Comparison operators. `==` is rendered implicitly, as nft prints it.
public enum CmpOp: Sendable, Hashable {
  case eq, neq
}

/// A verdict. Renders as `accept`, `drop`, `return`, `jump NAME`, `goto NAME`.
public enum Verdict: Sendable, Hashable {
  case accept
  case drop
  case return_
  case jump(String)
  case goto(String)

  /// The chain this verdict transfers control to, if any.
  public var targetChain: String? {
    switch self {
    case .jump(let c), .goto(let c): c
    default: nil
    }
  }
}

/// One expression of a rule, in order: matches first, then statements.
public enum Expr: Sendable, Hashable {
  /// `FIELD VALUE` or `FIELD != VALUE` (prefix values match the network).
  case cmp(Field, CmpOp, Value)
  /// `FIELD & MASK == VALUE` (e.g. `meta mark & 0x00004000 == 0x00000000`).
  case maskedCmp(Field, mask: UInt32, CmpOp, UInt32)
  /// `FIELD . FIELD @set` or `... != @set`: membership in a named set.
  case lookup([Field], set: String, negated: Bool)
  /// `FIELD . FIELD vmap @map`: jump to the verdict stored in a named verdict map.
  case vmap([Field], map: String)
  /// `meta mark set meta mark | BITS`.
  case markOr(UInt32)
  /// `meta mark set meta mark ^ BITS`.
  case markXor(UInt32)
  /// `update @set { FIELD }`: add or refresh an element of a dynamic set.
  case updateSet([Field], set: String)
  /// `dnat to ADDR:PORT` (`[ADDR]:PORT` for IPv6).
  case dnat(IPAddress, port: UInt16)
  /// `dnat ip to KEY map @map`: DNAT to the `address . port` the map holds for the key.
  case dnatMap([Field], map: String, version: IPVersion)
  /// `masquerade` or `masquerade fully-random`.
  case masquerade(fullyRandom: Bool)
  /// `reject` (ICMP port unreachable / TCP reset chosen by the kernel defaults).
  case reject
  /// `counter`.
  case counter
  /// `counter name FIELD . FIELD map @map`: counts the packet in the counter object the
  /// `: counter` map holds for the key (no match, no count). The kernel's `objref` with a set.
  case counterMap([Field], map: String)
  case verdict(Verdict)
}

extension Expr {
  /// The named set or map this expression uses, if any.
  public var referencedSet: String? {
    switch self {
    case .lookup(_, let s, _), .vmap(_, let s), .updateSet(_, let s), .dnatMap(_, let s, _), .counterMap(_, let s): s
    default: nil
    }
  }
}

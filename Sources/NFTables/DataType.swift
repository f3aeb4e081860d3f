// nftables data types of set keys and map values, with their sizes and the numeric ids nft
// stores in set user data (so `nft list` can print elements with their proper types).

/// A set/map key or data type. Renders as its nft name (`ipv4_addr`, `inet_service`, ...).
public enum DataType: String, Sendable, Hashable {
  case ipv4Addr = "ipv4_addr"
  case ipv6Addr = "ipv6_addr"
  case inetProto = "inet_proto"
  case inetService = "inet_service"
  case mark = "mark"
  case verdict = "verdict"
  /// A 32-bit integer in host byte order (what `numgen` yields); only in `typeof` sets.
  case integer = "integer"
  /// A counter object's name: the data of a `: counter` map (NFT_SET_OBJECT, NFT_OBJECT_COUNTER).
  case counter = "counter"

  /// The type id nft uses (enum datatypes in nftables' datatype.h).
  public var nftTypeID: UInt32 {
    switch self {
    case .verdict: 1
    // Not a data type the kernel stores: an object map carries NFTA_SET_OBJ_TYPE instead.
    case .counter: 0
    case .ipv4Addr: 7
    case .ipv6Addr: 8
    case .inetProto: 12
    case .inetService: 13
    case .mark: 19
    case .integer: 4
    }
  }

  /// Size in bytes of one value of this type (before register padding).
  public var byteLength: Int {
    switch self {
    case .ipv4Addr: 4
    case .ipv6Addr: 16
    case .inetProto: 1
    case .inetService: 2
    case .mark: 4
    case .integer: 4
    case .verdict: 0
    case .counter: 0
    }
  }
}

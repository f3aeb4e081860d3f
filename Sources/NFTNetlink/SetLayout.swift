// How nft declares a set to the kernel: key type id and length, data type, flags, the
// concatenation field lengths and the user data hints `nft list` uses to print elements.
import NFTables
import NetAddress

/// The kernel attributes of an `NFTSet` header, computed as nft 1.0.6 does.
public struct SetLayout: Sendable, Hashable {
  public var keyTypeID: UInt32
  public var keyLength: UInt32
  /// NFT_SET_* flags as the kernel stores them (nft adds NFT_SET_MAP and NFT_SET_CONCAT).
  public var kernelFlags: UInt32
  public var dataType: UInt32?
  public var dataLength: UInt32?
  /// NFTA_SET_DESC_CONCAT field lengths (only for concatenated interval sets).
  public var concatFieldLengths: [UInt32]?
  public var userData: UserData

  public init(_ set: NFTSet) {
    let concat = set.keyType.count > 1
    // nft's concatenated type id: each type id shifted in by TYPE_BITS (6).
    keyTypeID = set.keyType.reduce(0) { ($0 << 6) | $1.nftTypeID }
    keyLength = UInt32(Self.keyLength(set.keyType))
    var flags = set.flags.rawValue
    if set.isMap { flags |= Kernel.setMap }
    if concat && set.flags.contains(.interval) { flags |= Kernel.setConcat }
    kernelFlags = flags
    if let d = set.dataType {
      dataType = d == [.verdict] ? Kernel.dataVerdict : d.reduce(0) { ($0 << 6) | $1.nftTypeID }
      dataLength = d == [.verdict] ? 0 : UInt32(Self.keyLength(d))
    }
    if concat && set.flags.contains(.interval) {
      concatFieldLengths = set.keyType.map { UInt32($0.byteLength) }
    }
    // User data, in nft's order: key byte order, data byte order, key typeof (concatenations
    // record an empty `concat` typeof), data interval, comment.
    var u = UserData()
    u.putU32(0, concat ? 0 : set.keyType[0].byteOrder)
    if let d = set.dataType { u.putU32(1, d.count > 1 ? 0 : d[0].byteOrder) }
    if concat {
      var nest = UserData()
      nest.putU32(0, 13)  // EXPR_CONCAT in nft's enum expr_types
      nest.putNest(1, UserData())
      u.putNest(3, nest)
    }
    if set.dataType != nil { u.putU32(6, 0) }
    if let c = set.comment { u.putString(7, c) }
    userData = u
  }

  /// Key length in bytes: concatenation fields are padded to 32 bits.
  static func keyLength(_ types: [DataType]) -> Int {
    types.count == 1 ? types[0].byteLength : types.reduce(0) { $0 + ($1.byteLength + 3) / 4 * 4 }
  }
}

extension DataType {
  /// nft's `enum byteorder` of the type: BYTEORDER_HOST_ENDIAN (1) or BYTEORDER_BIG_ENDIAN (2);
  /// verdicts and inet_proto (a single byte) have none (BYTEORDER_INVALID, 0).
  var byteOrder: UInt32 {
    switch self {
    case .ipv4Addr, .ipv6Addr, .inetService: 2
    case .mark, .integer: 1
    case .inetProto, .verdict: 0
    }
  }

  init?(nftTypeID id: UInt32) {
    switch id {
    case 1: self = .verdict
    case 7: self = .ipv4Addr
    case 8: self = .ipv6Addr
    case 12: self = .inetProto
    case 13: self = .inetService
    case 19: self = .mark
    case 4: self = .integer
    default: return nil
    }
  }

  /// Splits a concatenated type id back into its types (nft's TYPE_BITS is 6; no type is 0).
  static func split(concatenatedID id: UInt32) -> [DataType]? {
    var types: [DataType] = []
    var rest = id
    while rest != 0 {
      guard let t = DataType(nftTypeID: rest & 0x3f) else { return nil }
      types.insert(t, at: 0)
      rest >>= 6
    }
    return types.isEmpty ? nil : types
  }
}

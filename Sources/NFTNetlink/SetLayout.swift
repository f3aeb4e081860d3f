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
  /// NFTA_SET_OBJ_TYPE of an object map (NFT_OBJECT_COUNTER for `: counter`), which has no
  /// data type or length and carries NFT_SET_OBJECT instead of NFT_SET_MAP.
  public var objectType: UInt32?
  /// NFTA_SET_DESC_CONCAT field lengths (only for concatenated interval sets).
  public var concatFieldLengths: [UInt32]?
  public var userData: UserData

  public init(_ set: NFTSet) {
    let concat = set.keyType.count > 1
    // nft's concatenated type id: each type id shifted in by TYPE_BITS (6).
    keyTypeID = set.keyType.reduce(0) { ($0 << 6) | $1.nftTypeID }
    keyLength = UInt32(Self.keyLength(set.keyType))
    var flags = set.flags.rawValue
    if set.isCounterMap {
      flags |= Kernel.setObject
      objectType = Kernel.objectCounter
    } else if set.isMap {
      flags |= Kernel.setMap
    }
    if concat && set.flags.contains(.interval) { flags |= Kernel.setConcat }
    kernelFlags = flags
    if let d = set.dataType, !set.isCounterMap {
      dataType = d == [.verdict] ? Kernel.dataVerdict : d.reduce(0) { ($0 << 6) | $1.nftTypeID }
      dataLength = d == [.verdict] ? 0 : UInt32(Self.keyLength(d))
    }
    if concat && set.flags.contains(.interval) {
      concatFieldLengths = set.keyType.map { UInt32($0.byteLength) }
    }
    userData = Self.userData(set)
  }

  /// User data, in nft's order: key byte order, data byte order, key typeof, data typeof, data
  /// interval, comment. A `typeof` set records its expressions; a `type` concatenation records an
  /// empty `concat` expression (for the key, and for concatenated data). An object map records
  /// no data byte order and no data typeof, only the data interval flag.
  static func userData(_ set: NFTSet) -> UserData {
    var u = UserData()
    let keyFields = set.typeof?.key
    let dataFields = set.typeof?.data
    if let keyFields {
      u.putU32(0, keyFields.count == 1 ? keyFields[0].byteOrder : 0)
    } else {
      u.putU32(0, set.keyType.count > 1 ? 0 : set.keyType[0].byteOrder)
    }
    if let d = set.dataType, !set.isCounterMap {
      if let dataFields {
        u.putU32(1, dataFields.count == 1 ? dataFields[0].byteOrder : 0)
      } else {
        u.putU32(1, d.count > 1 ? 0 : d[0].byteOrder)
      }
    }
    if let keyFields {
      u.putNest(3, TypeofUserData.encode(keyFields))
    } else if set.keyType.count > 1 {
      u.putNest(3, TypeofUserData.typeConcatenation)
    }
    if set.isCounterMap {
      u.putU32(6, 0)
    } else if let d = set.dataType {
      if let dataFields {
        u.putNest(4, TypeofUserData.encode(dataFields))
      } else if set.typeof != nil && d == [.verdict] {
        u.putNest(4, TypeofUserData.verdict)
      } else if d.count > 1 {
        u.putNest(4, TypeofUserData.typeConcatenation)
      }
      u.putU32(6, 0)
    }
    if let c = set.comment { u.putString(7, c) }
    return u
  }

  /// The `typeof` declaration recorded in a set's user data: `.some(nil)` for a set declared
  /// with `type`, nil when the recorded expressions do not fit the set's types.
  static func typeof(_ u: UserData, of set: NFTSet) -> SetTypeof?? {
    var key: TypeofUserData.Decoded?
    var data: TypeofUserData.Decoded?
    for e in u.entries {
      if e.type == 3 { key = TypeofUserData.decode(e.value) }
      if e.type == 4 { data = TypeofUserData.decode(e.value) }
    }
    guard case .fields(let keyFields)? = key else { return .some(nil) }
    guard keyFields.map(\.dataType) == set.keyType.map(Optional.some) else { return nil }
    switch data {
    case .fields(let dataFields)?:
      guard let d = set.dataType, dataFields.map(\.dataType) == d.map(Optional.some) else { return nil }
      return SetTypeof(key: keyFields, data: dataFields)
    case .verdict?:
      guard set.isVerdictMap else { return nil }
      return SetTypeof(key: keyFields)
    case .typeConcatenation?, nil:
      guard set.dataType == nil else { return nil }
      return SetTypeof(key: keyFields)
    }
  }

  /// Why the kernel (or nft 1.0.6) cannot declare `set`, if it cannot: `counter` only as the
  /// whole data of a map declared by `type` (nft 1.0.6 has no `typeof ... : counter`).
  static func unsupported(_ set: NFTSet) -> LoweringError? {
    if set.keyType.contains(.counter) { return .valueMismatch(field: "key of \(set.name)", value: "counter") }
    if let d = set.dataType, d.contains(.counter) {
      if d != [.counter] { return .valueMismatch(field: "data of \(set.name)", value: "counter in a concatenation") }
      if set.typeof != nil { return .valueMismatch(field: "typeof declaration of \(set.name)", value: ": counter") }
    }
    return nil
  }

  /// Key length in bytes: concatenation fields are padded to 32 bits.
  static func keyLength(_ types: [DataType]) -> Int {
    types.count == 1 ? types[0].byteLength : types.reduce(0) { $0 + ($1.byteLength + 3) / 4 * 4 }
  }
}

extension NFTSet {
  /// A `: counter` map: its elements name counter objects (NFT_SET_OBJECT, NFT_OBJECT_COUNTER).
  var isCounterMap: Bool { dataType == [.counter] }
}

extension Field {
  /// The byte order nft records for a `typeof` key or data of this one field: its expression's
  /// (BYTEORDER_HOST_ENDIAN for meta, ct, numgen and fib; BYTEORDER_BIG_ENDIAN for payload).
  var byteOrder: UInt32 { isHostEndian ? 1 : 2 }
}

extension DataType {
  /// nft's `enum byteorder` of the type: BYTEORDER_HOST_ENDIAN (1) or BYTEORDER_BIG_ENDIAN (2);
  /// verdicts and inet_proto (a single byte) have none (BYTEORDER_INVALID, 0).
  var byteOrder: UInt32 {
    switch self {
    case .ipv4Addr, .ipv6Addr, .inetService: 2
    case .mark, .integer: 1
    case .inetProto, .verdict, .counter: 0
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

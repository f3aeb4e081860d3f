// The uapi numbers (linux/netfilter/nf_tables.h, nf_nat.h, netfilter.h) lowering and lifting
// use, converted once from the imported C enums so the rest of the module reads plainly.
import CNftnl

enum Kernel {
  static let regVerdict = UInt32(NFT_REG_VERDICT.rawValue)
  static let reg1 = UInt32(NFT_REG_1.rawValue)
  static let reg2 = UInt32(NFT_REG_2.rawValue)
  static let reg32First = UInt32(NFT_REG32_00.rawValue)

  static let cmpEq = UInt32(NFT_CMP_EQ.rawValue)
  static let cmpNeq = UInt32(NFT_CMP_NEQ.rawValue)

  static let metaMark = UInt32(NFT_META_MARK.rawValue)
  static let metaL4proto = UInt32(NFT_META_L4PROTO.rawValue)
  static let ctState = UInt32(NFT_CT_STATE.rawValue)
  static let ctStatus = UInt32(NFT_CT_STATUS.rawValue)
  static let fibFlagSaddr = UInt32(NFTA_FIB_F_SADDR.rawValue)
  static let fibFlagDaddr = UInt32(NFTA_FIB_F_DADDR.rawValue)
  static let fibResultAddrType = UInt32(NFT_FIB_RESULT_ADDRTYPE.rawValue)
  static let numgenRandom = UInt32(NFT_NG_RANDOM.rawValue)
  static let byteorderHton = UInt32(NFT_BYTEORDER_HTON.rawValue)
  static let lookupInvert = UInt32(NFT_LOOKUP_F_INV.rawValue)
  static let natDnat = UInt32(NFT_NAT_DNAT.rawValue)
  static let natProtoSpecified = UInt32(NF_NAT_RANGE_PROTO_SPECIFIED)
  static let natMapIPs = UInt32(NF_NAT_RANGE_MAP_IPS)
  static let natRandomFully = UInt32(NF_NAT_RANGE_PROTO_RANDOM_FULLY)
  static let rejectIcmpUnreach = UInt32(NFT_REJECT_ICMP_UNREACH.rawValue)
  static let rejectIcmpxUnreach = UInt32(NFT_REJECT_ICMPX_UNREACH.rawValue)
  /// ICMP_PORT_UNREACH (3), ICMPV6_PORT_UNREACH (4), NFT_REJECT_ICMPX_PORT_UNREACH (1).
  static let icmpPortUnreach: UInt8 = 3
  static let icmp6PortUnreach: UInt8 = 4
  static let icmpxPortUnreach = UInt8(NFT_REJECT_ICMPX_PORT_UNREACH.rawValue)

  static let nfprotoIPv4 = UInt32(NFPROTO_IPV4)
  static let nfprotoIPv6 = UInt32(NFPROTO_IPV6)
  static let nfprotoInet = UInt32(NFPROTO_INET)

  static let verdictAccept = Int32(NF_ACCEPT)
  static let verdictDrop = Int32(NF_DROP)
  static let verdictJump = Int32(NFT_JUMP.rawValue)
  static let verdictGoto = Int32(NFT_GOTO.rawValue)
  static let verdictReturn = Int32(NFT_RETURN.rawValue)

  static let setAnonymous = UInt32(NFT_SET_ANONYMOUS.rawValue)
  static let setMap = UInt32(NFT_SET_MAP.rawValue)
  static let setConcat = UInt32(NFT_SET_CONCAT.rawValue)
  /// NFT_SET_OBJECT: the set maps keys to stateful objects (a `: counter` map).
  static let setObject = UInt32(NFT_SET_OBJECT.rawValue)
  /// NFT_OBJECT_COUNTER: the object type of counters and of `: counter` maps (NFTA_SET_OBJ_TYPE).
  static let objectCounter = UInt32(NFT_OBJECT_COUNTER)
  static let elemIntervalEnd = UInt32(NFT_SET_ELEM_INTERVAL_END.rawValue)
  /// NFT_DATA_VERDICT: the data type of verdict maps.
  static let dataVerdict = UInt32(NFT_DATA_VERDICT.rawValue)
}

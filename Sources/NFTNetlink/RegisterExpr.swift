// The register-level expressions the kernel executes (one case per libnftnl expression kind
// kproxy uses): what lowering produces from `Expr` and what read-back lifts into `Expr` again.

/// The header a `payload` expression loads from. The corresponding nft names are
/// `network header` and `transport header` (NFT_PAYLOAD_NETWORK_HEADER, NFT_PAYLOAD_TRANSPORT_HEADER).
public enum PayloadBase: UInt32, Sendable, Hashable {
  case network = 1
  case transport = 2
}

/// One kernel expression with its registers and constants, as `nft --debug=netlink` prints it.
public enum RegisterExpr: Sendable, Hashable {
  /// `[ payload load LENb @ BASE header + OFFSET => reg DREG ]` (libnftnl `payload`).
  case payload(base: PayloadBase, offset: UInt32, length: UInt32, dreg: UInt32)
  /// `[ meta load KEY => reg DREG ]` (libnftnl `meta`, NFTNL_EXPR_META_DREG).
  case metaLoad(key: UInt32, dreg: UInt32)
  /// `[ meta set KEY with reg SREG ]` (libnftnl `meta`, NFTNL_EXPR_META_SREG).
  case metaSet(key: UInt32, sreg: UInt32)
  /// `[ ct load KEY => reg DREG ]` (libnftnl `ct`).
  case ctLoad(key: UInt32, dreg: UInt32)
  /// `[ numgen reg DREG = random mod MOD ]` (libnftnl `numgen`, NFT_NG_RANDOM, offset 0).
  case numgenRandom(modulus: UInt32, dreg: UInt32)
  /// `[ fib FLAGS RESULT => reg DREG ]` (libnftnl `fib`).
  case fib(flags: UInt32, result: UInt32, dreg: UInt32)
  /// `[ cmp OP reg SREG DATA ]` (libnftnl `cmp`).
  case cmp(sreg: UInt32, op: UInt32, data: [UInt8])
  /// `[ bitwise reg DREG = ( reg SREG & MASK ) ^ XOR ]` (libnftnl `bitwise`, NFT_BITWISE_BOOL).
  case bitwise(sreg: UInt32, dreg: UInt32, length: UInt32, mask: [UInt8], xor: [UInt8])
  /// `[ byteorder reg DREG = hton(reg SREG, SIZE, LEN) ]` (libnftnl `byteorder`).
  case byteorder(sreg: UInt32, dreg: UInt32, op: UInt32, length: UInt32, size: UInt32)
  /// `[ lookup reg SREG set NAME [dreg DREG] [0x1] ]` (libnftnl `lookup`; flag 1 is NFT_LOOKUP_F_INV).
  case lookup(sreg: UInt32, set: String, dreg: UInt32?, flags: UInt32)
  /// `[ objref sreg SREG set NAME ]` (libnftnl `objref` with NFTNL_EXPR_OBJREF_SET_SREG and
  /// _SET_NAME): the object the map holds for the key evaluates the packet; no element, the
  /// rule ends (NFT_BREAK). `setID` is the NFTA_OBJREF_SET_ID of a set declared in the same
  /// batch, sent as nft does and never dumped back.
  case objrefMap(sreg: UInt32, set: String, setID: UInt32?)
  /// `[ dynset update reg_key SREG set NAME ]` (libnftnl `dynset`, NFT_DYNSET_OP_UPDATE).
  case dynsetUpdate(sregKey: UInt32, set: String)
  /// `[ immediate reg DREG DATA ]` (libnftnl `immediate` with NFTNL_EXPR_IMM_DATA).
  case immediateData(dreg: UInt32, data: [UInt8])
  /// `[ immediate reg 0 VERDICT [-> CHAIN] ]` (libnftnl `immediate` with NFTNL_EXPR_IMM_VERDICT).
  case immediateVerdict(code: Int32, chain: String?)
  /// `[ nat dnat FAMILY addr_min reg A proto_min reg P [flags F] ]` (libnftnl `nat`; without
  /// flags, NFTA_NAT_FLAGS is not sent, as for nft's `dnat ip to KEY map @M`).
  case nat(type: UInt32, family: UInt32, addrReg: UInt32, protoReg: UInt32, flags: UInt32?)
  /// `[ masq [flags F] ]` (libnftnl `masq`).
  case masq(flags: UInt32?)
  /// `[ reject type T code C ]` (libnftnl `reject`).
  case reject(type: UInt32, code: UInt8)
  /// `[ counter pkts 0 bytes 0 ]` (libnftnl `counter`).
  case counter
}

extension RegisterExpr {
  /// A `nat` with NF_NAT_RANGE_MAP_IPS, which the kernel adds when an address register is
  /// given and lowering never sets.
  var hasKernelNatFlags: Bool {
    if case .nat(_, _, _, _, let flags?) = self { return flags & Kernel.natMapIPs != 0 }
    return false
  }
}

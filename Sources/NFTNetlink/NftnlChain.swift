// One libnftnl chain (`struct nftnl_chain`): built for `add chain`, `flush chain` and
// `delete chain`, or parsed from a NFT_MSG_NEWCHAIN dump message.
import CNftnl
import NFTables

/// The corresponding libnftnl calls are `nftnl_chain_alloc` / `nftnl_chain_free`.
final class NftnlChain {
  private let pointer: OpaquePointer

  init() throws {
    guard let p = nftnl_chain_alloc() else { throw NetlinkError.outOfMemory(what: "chain") }
    pointer = p
  }

  deinit { nftnl_chain_free(pointer) }

  private static func a(_ v: nftnl_chain_attr) -> UInt16 { UInt16(v.rawValue) }

  /// A chain named `name` in `table`; with `header`, also its hook, priority, type, policy and comment.
  convenience init(table: String, name: String, header: Chain? = nil) throws {
    try self.init()
    _ = nftnl_chain_set_str(pointer, Self.a(NFTNL_CHAIN_TABLE), table)
    _ = nftnl_chain_set_str(pointer, Self.a(NFTNL_CHAIN_NAME), name)
    guard let header else { return }
    if let b = header.base {
      nftnl_chain_set_u32(pointer, Self.a(NFTNL_CHAIN_HOOKNUM), b.hook.number)
      nftnl_chain_set_s32(pointer, Self.a(NFTNL_CHAIN_PRIO), Int32(b.priority))
      _ = nftnl_chain_set_str(pointer, Self.a(NFTNL_CHAIN_TYPE), b.type.rawValue)
      nftnl_chain_set_u32(pointer, Self.a(NFTNL_CHAIN_POLICY), UInt32(b.policyAccept ? NF_ACCEPT : NF_DROP))
    }
    if let u = UserData.comment(header.comment) {
      u.bytes.withUnsafeBytes { _ = nftnl_chain_set_data(pointer, Self.a(NFTNL_CHAIN_USERDATA), $0.baseAddress, UInt32($0.count)) }
    }
  }

  /// Lends the pointer for the duration of `body`.
  func withPointer<R>(_ body: (OpaquePointer) throws -> R) rethrows -> R { try body(pointer) }

  /// The corresponding libnftnl call is `nftnl_chain_nlmsg_parse`.
  func parse(_ nlh: UnsafePointer<nlmsghdr>) -> Bool { nftnl_chain_nlmsg_parse(nlh, pointer) >= 0 }

  var table: String { nftnl_chain_get_str(pointer, Self.a(NFTNL_CHAIN_TABLE)).map { String(cString: $0) } ?? "" }
  var name: String { nftnl_chain_get_str(pointer, Self.a(NFTNL_CHAIN_NAME)).map { String(cString: $0) } ?? "" }

  /// The chain header as the model describes it; nil for a base chain kproxy would not create.
  var header: Chain? {
    var chain = Chain(name: name)
    if nftnl_chain_is_set(pointer, Self.a(NFTNL_CHAIN_HOOKNUM)) {
      guard let hook = Hook(number: nftnl_chain_get_u32(pointer, Self.a(NFTNL_CHAIN_HOOKNUM))),
        let typeName = nftnl_chain_get_str(pointer, Self.a(NFTNL_CHAIN_TYPE)),
        let type = ChainType(rawValue: String(cString: typeName))
      else { return nil }
      let prio = Int(nftnl_chain_get_s32(pointer, Self.a(NFTNL_CHAIN_PRIO)))
      let policy = nftnl_chain_get_u32(pointer, Self.a(NFTNL_CHAIN_POLICY))
      chain.base = BaseChain(type: type, hook: hook, priority: prio, policyAccept: policy == UInt32(NF_ACCEPT))
    }
    var len: UInt32 = 0
    if nftnl_chain_is_set(pointer, Self.a(NFTNL_CHAIN_USERDATA)),
      let d = nftnl_chain_get_data(pointer, Self.a(NFTNL_CHAIN_USERDATA), &len)
    {
      chain.comment = UserData(bytes: Array(UnsafeRawBufferPointer(start: d, count: Int(len)))).string(0)
    }
    return chain
  }
}

extension Hook {
  /// The netfilter hook number (NF_INET_PRE_ROUTING ...).
  var number: UInt32 {
    switch self {
    case .prerouting: UInt32(NF_INET_PRE_ROUTING.rawValue)
    case .input: UInt32(NF_INET_LOCAL_IN.rawValue)
    case .forward: UInt32(NF_INET_FORWARD.rawValue)
    case .output: UInt32(NF_INET_LOCAL_OUT.rawValue)
    case .postrouting: UInt32(NF_INET_POST_ROUTING.rawValue)
    }
  }

  init?(number: UInt32) {
    guard let h = [Hook.prerouting, .input, .forward, .output, .postrouting].first(where: { $0.number == number }) else { return nil }
    self = h
  }
}

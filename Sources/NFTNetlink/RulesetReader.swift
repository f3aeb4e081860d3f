// Read-back: dumps kproxy's tables (counters, chains, sets, elements, rules) from the kernel into the
// NFTables model, so that `kernel.diff(to: desired)` gives the incremental transaction.
import CNftnl
import NFTables

extension NetlinkClient {
  /// The given tables as the kernel has them; absent tables are left out. The dump is retried
  /// when the ruleset generation changes while it is read. `spelling` (normally the desired
  /// ruleset) decides how values the kernel stores identically are written (`A` or `A/32`).
  public func currentRuleset(tables refs: [TableRef], spelling: Ruleset? = nil) throws -> Ruleset {
    try currentRuleset(tables: refs, spelling: spelling, elementDumpLimit: nil).ruleset
  }

  /// As `currentRuleset(tables:spelling:)`, except that the elements of a set the desired
  /// ruleset (`spelling`) gives more than `elementDumpLimit` elements are not dumped: their
  /// sets come back empty and are named in `unread` (see `Ruleset.diff(to:unreadElements:)`).
  public func currentRuleset(
    tables refs: [TableRef], spelling: Ruleset?, elementDumpLimit: Int?
  ) throws -> (ruleset: Ruleset, unread: UnreadElements) {
    for _ in 0..<8 {
      let before = try generation()
      var out = Ruleset()
      var unread = UnreadElements()
      var interrupted = false
      do {
        let present = try dumpTables()
        for ref in refs {
          guard let comment = present[ref] else { continue }
          let hint = spelling?.tables.first { $0.ref == ref }
          out.tables.append(
            try readTable(ref, comment: comment, spelling: hint, elementDumpLimit: elementDumpLimit, unread: &unread))
        }
      } catch DumpInterrupted.interrupted {
        interrupted = true
      }
      if !interrupted, try generation() == before { return (out, unread) }
    }
    throw NetlinkError.concurrentChange("the ruleset kept changing while it was read")
  }

  enum DumpInterrupted: Error { case interrupted }

  /// The current ruleset generation (NFT_MSG_GETGEN).
  func generation() throws -> UInt32 {
    let gen = try NftnlGeneration()
    try request(type: NFT_MSG_GETGEN, family: UInt16(NFPROTO_UNSPEC), dump: false, build: { _ in }) { nlh in
      _ = gen.parse(nlh)
    }
    return gen.id
  }

  /// Every table of every family, with its comment (nil when it has none, wrapped in Optional).
  func dumpTables() throws -> [TableRef: String?] {
    var out: [TableRef: String?] = [:]
    try request(type: NFT_MSG_GETTABLE, family: UInt16(NFPROTO_UNSPEC), dump: true, build: { _ in }) { nlh in
      let t = try NftnlTable()
      guard t.parse(nlh), let family = Self.tableFamily(t.family) else { return }
      out[TableRef(family: family, name: t.name)] = .some(t.userData?.string(0))
    }
    return out
  }

  static func tableFamily(_ nfproto: UInt32) -> TableFamily? {
    switch nfproto {
    case UInt32(NFPROTO_IPV4): .ip
    case UInt32(NFPROTO_IPV6): .ip6
    case UInt32(NFPROTO_INET): .inet
    default: nil
    }
  }

  func readTable(
    _ ref: TableRef, comment: String?, spelling: Table?, elementDumpLimit: Int?, unread: inout UnreadElements
  ) throws -> Table {
    let family = TransactionEncoder.family(ref.family)
    var table = Table(family: ref.family, name: ref.name, comment: comment)
    // Counters, with their values (which diffs ignore).
    table.counters = try dumpCounters(ref)
    // Chains (the kernel filters by NFTA_CHAIN_TABLE).
    let chainFilter = try NftnlChain(table: ref.name, name: "")
    var chains: [Chain] = []
    try request(
      type: NFT_MSG_GETCHAIN, family: family, dump: true,
      build: { nlh in
        chainFilter.withPointer { p in
          nftnl_chain_unset(p, UInt16(NFTNL_CHAIN_NAME.rawValue))
          nftnl_chain_nlmsg_build_payload(nlh, p)
        }
      }
    ) { nlh in
      let c = try NftnlChain()
      guard c.parse(nlh), c.table == ref.name else { return }
      guard let header = c.header else { throw NetlinkError.foreignObject("chain \(c.name) in table \(ref) is not one kproxy creates") }
      chains.append(header)
    }
    // Sets.
    var sets: [NFTSet] = []
    try forEachSet(in: ref) { s in
      guard let header = s.header else { throw NetlinkError.foreignObject("set \(s.name) in table \(ref) is not one kproxy creates") }
      sets.append(header)
    }
    // Elements of each set, except dynamic ones: what rules add to those (affinity: the
    // clients recently sent to an endpoint) is the kernel's state, never kproxy's to diff.
    for i in sets.indices where !sets[i].flags.contains(.dynamic) {
      let hint = spelling?.sets.first { $0.name == sets[i].name }
      if let limit = elementDumpLimit, let hint, hint.elements.count > limit {
        unread[ref, default: []].insert(sets[i].name)
        continue
      }
      let list = try NftnlElementList(table: ref.name, set: sets[i].name)
      try request(
        type: NFT_MSG_GETSETELEM, family: family, dump: true,
        build: { nlh in
          list.withPointer { nftnl_set_elems_nlmsg_build_payload(nlh, $0) }
        }
      ) { nlh in
        guard list.parse(nlh) else { throw NetlinkError.unparsable("elements of set \(sets[i].name) in table \(ref)") }
      }
      guard let elements = ElementLifting.lift(list.elements, of: sets[i], spelling: hint) else {
        throw NetlinkError.foreignObject("elements of set \(sets[i].name) in table \(ref) are not ones kproxy writes")
      }
      sets[i].elements = elements
    }
    // Rules, one dump per chain: the kernel finds a named chain by hash, whereas resuming a
    // table-wide dump walks all earlier rules again for every reply (quadratic at 100k rules).
    let lifting = RuleLifting(family: ref.family)
    // Different typed rules can lower to the same kernel expressions (`meta l4proto tcp th
    // dport 80` is `tcp dport 80`); where the desired rule at the same position lowers to
    // exactly what the kernel has, its spelling is kept.
    let spellingLowering = RuleLowering(
      family: ref.family, sets: Dictionary((spelling?.sets ?? []).map { ($0.name, $0.header) }, uniquingKeysWith: { a, _ in a }))
    let spellingChains = Dictionary((spelling?.chains ?? []).map { ($0.name, $0.rules) }, uniquingKeysWith: { a, _ in a })
    for i in chains.indices {
      let filter = try NftnlRule(table: ref.name, chain: chains[i].name)
      let desiredRules = spellingChains[chains[i].name] ?? []
      var rules: [Rule] = []
      try request(
        type: NFT_MSG_GETRULE, family: family, dump: true,
        build: { nlh in
          filter.withPointer { nftnl_rule_nlmsg_build_payload(nlh, $0) }
        }
      ) { nlh in
        let chainName = chains[i].name
        func append(_ known: [RegisterExpr]?, comment: @autoclosure () -> String?) throws {
          // The desired rule when it lowers to what the kernel has (whatever lifting would give:
          // equal, or another spelling), else the lifted rule. Lowering never sets the flag the
          // kernel adds to `dnat` (NF_NAT_RANGE_MAP_IPS), so those rules skip the comparison.
          let exprs: [Expr]?
          if let known, rules.count < desiredRules.count, !known.contains(where: \.hasKernelNatFlags),
            (try? spellingLowering.lower(desiredRules[rules.count])) == known
          {
            exprs = desiredRules[rules.count].exprs
          } else {
            exprs = known.flatMap { lifting.lift($0) }
          }
          guard let exprs else {
            throw NetlinkError.foreignObject("a rule in chain \(chainName) of table \(ref) is not one kproxy writes")
          }
          rules.append(Rule(exprs, comment: comment()))
        }
        // Read straight from the message; libnftnl parses what that reader does not expect.
        if let m = RuleMessage(nlh) {
          guard m.isIn(table: ref.name, chain: chainName) else { return }
          try append(m.expressions, comment: m.comment)
        } else {
          let r = try NftnlRule()
          guard r.parse(nlh), r.isIn(table: ref.name, chain: chainName) else { return }
          try append(r.knownExpressions, comment: r.comment)
        }
      }
      chains[i].rules = rules
    }
    table.sets = sets
    table.chains = chains
    return table
  }

  /// Sends one request and passes every reply message to `each` until the dump ends (or,
  /// for a plain request, until its answer arrived). Kernel errors are thrown.
  func request(
    type: nf_tables_msg_types, family: UInt16, dump: Bool, build: (UnsafeMutablePointer<nlmsghdr>) -> Void,
    each: (UnsafePointer<nlmsghdr>) throws -> Void
  ) throws {
    seq &+= 1
    let mySeq = seq
    let w = MessageWriter(capacity: 256, scratchSize: MessageWriter.requestScratchSize)
    let flags = dump ? Int32(NLM_F_DUMP) : Int32(NLM_F_ACK)
    try w.append(type: UInt16(type.rawValue), family: family, flags: UInt16(flags), seq: mySeq, payload: build)
    try w.withBytes { try socket.send($0) }
    var done = false
    var interrupted = false
    while !done {
      _ = try socket.receive(wait: true) { nlh in
        guard nlh.pointee.nlmsg_seq == mySeq else { return }
        if nlh.pointee.nlmsg_flags & UInt16(NLM_F_DUMP_INTR) != 0 { interrupted = true }
        switch Int32(nlh.pointee.nlmsg_type) {
        case NLMSG_DONE:
          done = true
        case NLMSG_ERROR:
          let err = UnsafeRawPointer(nlh).advanced(by: MemoryLayout<nlmsghdr>.size).assumingMemoryBound(to: nlmsgerr.self).pointee
          // A dump the ruleset changed under, aborted with EINTR or ERESTART: the same as
          // NLM_F_DUMP_INTR, the caller reads again.
          if dump && NetlinkError.interruptsDump(errno: -err.error) {
            interrupted = true
            done = true
            return
          }
          if err.error != 0 { throw NetlinkError.rejected(operation: "dump \(Self.dumpName(type))", errno: -err.error) }
          done = true  // the ACK of a plain request
        default:
          try each(nlh)
        }
      }
    }
    if interrupted { throw DumpInterrupted.interrupted }
  }

  static func dumpName(_ type: nf_tables_msg_types) -> String {
    switch type {
    case NFT_MSG_GETTABLE: "tables"
    case NFT_MSG_GETCHAIN: "chains"
    case NFT_MSG_GETSET: "sets"
    case NFT_MSG_GETSETELEM: "set elements"
    case NFT_MSG_GETRULE: "rules"
    case NFT_MSG_GETGEN: "generation"
    case NFT_MSG_GETOBJ: "objects"
    default: "objects"
    }
  }
}

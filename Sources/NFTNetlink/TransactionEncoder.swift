// Turns a `Transaction` into one NFNL batch: every `Command` becomes one or more nf_tables
// messages, each with its own sequence number remembered with a description of the command.
import CNftnl
import NFTables

/// An encoded transaction: the batch bytes and, per command message, the command it encodes.
struct EncodedBatch {
  let writer: MessageWriter
  /// Sequence number of NFNL_MSG_BATCH_BEGIN; command messages follow consecutively.
  var beginSeq: UInt32
  let commands: [Command]
  /// The index into `commands` of each command message, indexed by `seq - beginSeq - 1`.
  let messageCommands: [Int32]

  /// Descriptions of the command messages, made only when asked for (error reports).
  struct Operations: RandomAccessCollection {
    let commands: [Command]
    let messageCommands: [Int32]
    var startIndex: Int { 0 }
    var endIndex: Int { messageCommands.count }
    subscript(i: Int) -> String { TransactionEncoder.describe(commands[Int(messageCommands[i])]) }
  }

  /// Description of each command message, indexed by `seq - beginSeq - 1`.
  var operations: Operations { Operations(commands: commands, messageCommands: messageCommands) }

  /// A copy of the batch bytes.
  var bytes: [UInt8] { writer.bytes }

  /// Lends the batch bytes for the duration of `body`.
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try writer.withBytes(body) }

  /// The index into `operations` of the command message with sequence number `seq`.
  func index(ofSeq seq: UInt32) -> Int? {
    let i = Int(seq &- beginSeq) - 1
    return messageCommands.indices.contains(i) ? i : nil
  }
}

struct TransactionEncoder {
  /// Element messages stay well below the 64 KiB limit of a netlink attribute nest.
  static let elementBytesPerMessage = 32 * 1024

  /// Sets known to exist in the kernel (or the desired ruleset), per table, for lowering lookups.
  var sets: [TableRef: [String: NFTSet]]
  /// The last NFTA_SET_ID handed out in this transaction.
  var setID: UInt32 = 0
  /// The NFTA_SET_ID of each set declared in this transaction, per table (rules send it with
  /// `objref`, as nft does).
  var setIDs: [TableRef: [String: UInt32]] = [:]

  init(sets: [TableRef: [String: NFTSet]]) { self.sets = sets }

  static func family(_ f: TableFamily) -> UInt16 {
    switch f {
    case .ip: UInt16(NFPROTO_IPV4)
    case .ip6: UInt16(NFPROTO_IPV6)
    case .inet: UInt16(NFPROTO_INET)
    }
  }

  static func describe(_ c: Command) -> String {
    switch c {
    case .addTable(let t, _): "add table \(t)"
    case .deleteTable(let t): "delete table \(t)"
    case .addChain(let t, let ch): "add chain \(ch.name) in table \(t)"
    case .flushChain(let t, let ch): "flush chain \(ch) in table \(t)"
    case .deleteChain(let t, let ch): "delete chain \(ch) in table \(t)"
    case .addRule(let t, let ch, _): "add rule to chain \(ch) in table \(t)"
    case .addSet(let t, let s): "add \(s.isMap ? "map" : "set") \(s.name) in table \(t)"
    case .deleteSet(let t, let s, let isMap): "delete \(isMap ? "map" : "set") \(s) in table \(t)"
    case .addElements(let t, let s, _): "add elements to \(s.isMap ? "map" : "set") \(s.name) in table \(t)"
    case .deleteElements(let t, let s, _): "delete elements from \(s.isMap ? "map" : "set") \(s.name) in table \(t)"
    case .flushSet(let t, let s, let isMap): "flush \(isMap ? "map" : "set") \(s) in table \(t)"
    case .addCounter(let t, let c): "add counter \(c.name) in table \(t)"
    case .deleteCounter(let t, let c): "delete counter \(c) in table \(t)"
    }
  }

  /// Encodes `tx` starting at sequence number `seq`; every command message asks for an ACK.
  /// With `generation`, the kernel commits the batch only if the ruleset is still at it.
  mutating func encode(_ tx: Transaction, seq: UInt32, generation: UInt32? = nil) throws -> EncodedBatch {
    let w = MessageWriter(capacity: 4096 + tx.commands.count * 512)
    var next = seq
    try w.appendBatchBegin(seq: next, generation: generation)
    var messageCommands: [Int32] = []
    messageCommands.reserveCapacity(tx.commands.count)
    var index: Int32 = 0
    func msg(_ type: nf_tables_msg_types, _ t: TableRef, _ flags: Int32, _ payload: (UnsafeMutablePointer<nlmsghdr>) throws -> Void) throws
    {
      next &+= 1
      try w.append(
        type: UInt16(type.rawValue), family: Self.family(t.family), flags: UInt16(flags | NLM_F_ACK), seq: next, payload: payload)
      messageCommands.append(index)
    }
    // The lowering of the table of the previous rule (rules come grouped by table).
    var lowering: (table: TableRef, lowering: RuleLowering)? = nil
    var ruleBuilder: NftnlRuleBuilder? = nil
    for command in tx.commands {
      defer { index += 1 }
      switch command {
      case .addCounter(let t, let c):
        // NLM_F_CREATE without NLM_F_EXCL: an existing counter is kept as it is, values included.
        let object = try NftnlObject(table: t.name, name: c.name, counter: c)
        try msg(NFT_MSG_NEWOBJ, t, NLM_F_CREATE) { nlh in object.withPointer { nftnl_obj_nlmsg_build_payload(nlh, $0) } }
      case .deleteCounter(let t, let name):
        let object = try NftnlObject(table: t.name, name: name)
        try msg(NFT_MSG_DELOBJ, t, 0) { nlh in object.withPointer { nftnl_obj_nlmsg_build_payload(nlh, $0) } }
      case .addTable(let t, let comment):
        let table = try NftnlTable(name: t.name, comment: comment, withFlags: true)
        try msg(NFT_MSG_NEWTABLE, t, NLM_F_CREATE) { nlh in table.withPointer { nftnl_table_nlmsg_build_payload(nlh, $0) } }
      case .deleteTable(let t):
        let table = try NftnlTable(name: t.name, comment: nil, withFlags: false)
        try msg(NFT_MSG_DELTABLE, t, 0) { nlh in table.withPointer { nftnl_table_nlmsg_build_payload(nlh, $0) } }
        lowering = nil
        sets[t] = nil
        setIDs[t] = nil
      case .addChain(let t, let c):
        let chain = try NftnlChain(table: t.name, name: c.name, header: c)
        try msg(NFT_MSG_NEWCHAIN, t, NLM_F_CREATE) { nlh in chain.withPointer { nftnl_chain_nlmsg_build_payload(nlh, $0) } }
      case .flushChain(let t, let name):
        let rule = try NftnlRule(table: t.name, chain: name)
        try msg(NFT_MSG_DELRULE, t, 0) { nlh in rule.withPointer { nftnl_rule_nlmsg_build_payload(nlh, $0) } }
      case .deleteChain(let t, let name):
        let chain = try NftnlChain(table: t.name, name: name)
        try msg(NFT_MSG_DELCHAIN, t, 0) { nlh in chain.withPointer { nftnl_chain_nlmsg_build_payload(nlh, $0) } }
      case .addRule(let t, let chainName, let r):
        if lowering?.table != t {
          var l = RuleLowering(family: t.family, sets: sets[t] ?? [:])
          l.setIDs = setIDs[t] ?? [:]
          lowering = (t, l)
        }
        let exprs: [RegisterExpr]
        do {
          exprs = try lowering!.lowering.lower(r)
        } catch let e as LoweringError {
          throw NetlinkError.lowering(operation: Self.describe(command), reason: e.description)
        }
        if ruleBuilder == nil { ruleBuilder = try NftnlRuleBuilder() }
        try msg(NFT_MSG_NEWRULE, t, NLM_F_CREATE | NLM_F_APPEND) { nlh in
          try ruleBuilder!.build(nlh, table: t.name, chain: chainName, exprs: exprs, comment: r.comment)
        }
      case .addSet(let t, let s):
        setID &+= 1
        let set: NftnlSet
        do {
          set = try NftnlSet(table: t.name, name: s.name, header: s, id: setID)
        } catch let err as LoweringError {
          throw NetlinkError.lowering(operation: Self.describe(command), reason: err.description)
        }
        try msg(NFT_MSG_NEWSET, t, NLM_F_CREATE) { nlh in set.withPointer { nftnl_set_nlmsg_build_payload(nlh, $0) } }
        lowering = nil
        sets[t, default: [:]][s.name] = s.header
        setIDs[t, default: [:]][s.name] = setID
      case .deleteSet(let t, let name, _):
        let set = try NftnlSet(table: t.name, name: name)
        try msg(NFT_MSG_DELSET, t, 0) { nlh in set.withPointer { nftnl_set_nlmsg_build_payload(nlh, $0) } }
      case .flushSet(let t, let name, _):
        // NFT_MSG_DELSETELEM without a list of elements: the kernel flushes the set.
        let list = try NftnlElementList(table: t.name, set: name)
        try msg(NFT_MSG_DELSETELEM, t, 0) { nlh in list.withPointer { nftnl_set_elems_nlmsg_build_payload(nlh, $0) } }
      case .addElements(let t, let s, let elements), .deleteElements(let t, let s, let elements):
        let adding: Bool = { if case .addElements = command { return true } else { return false } }()
        var chunk: NftnlElementList? = nil
        var chunkBytes = 0
        func flush() throws {
          guard let list = chunk else { return }
          try msg(adding ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM, t, adding ? NLM_F_CREATE : 0) { nlh in
            list.withPointer { nftnl_set_elems_nlmsg_build_payload(nlh, $0) }
          }
          chunk = nil
          chunkBytes = 0
        }
        func add(_ layout: ElementLayout) throws {
          if chunkBytes + layout.estimatedSize > Self.elementBytesPerMessage { try flush() }
          if chunk == nil { chunk = try NftnlElementList(table: t.name, set: s.name) }
          try chunk!.append(layout, keyOnly: !adding)
          chunkBytes += layout.estimatedSize
        }
        do {
          if adding, let lead = try ElementLayout.leadingIntervalEnd(for: s, elements: elements) { try add(lead) }
          for e in elements {
            try ElementLayout.forEachKernelElement(e, of: s, add)
          }
        } catch let err as LoweringError {
          throw NetlinkError.lowering(operation: Self.describe(command), reason: err.description)
        }
        try flush()
      }
    }
    try w.appendBatchEnd(seq: next &+ 1)
    return EncodedBatch(writer: w, beginSeq: seq, commands: tx.commands, messageCommands: messageCommands)
  }
}

// Builds the payload of every `add rule` of a transaction with one reused libnftnl rule and
// reused expression objects, instead of allocating and freeing them per rule.
import CNftnl

/// The corresponding libnftnl calls are `nftnl_rule_add_expr`, `nftnl_rule_nlmsg_build_payload`
/// and `nftnl_rule_del_expr` (which unlinks an expression without freeing it).
final class NftnlRuleBuilder {
  /// What the reused rule holds besides expressions.
  private struct State {
    var table: String?
    var chain: String?
    var hasUserData = false
  }

  private let rule: OpaquePointer
  /// Per `RegisterExpr.poolSlot`, expression objects; a rule using a slot k times uses the
  /// first k (an object can be in one rule's list only once). Kept behind pointers, so the
  /// per-expression accesses need no dynamic exclusivity checks.
  private let pool: UnsafeMutablePointer<[OpaquePointer]>
  private let state: UnsafeMutablePointer<State>

  private static func a(_ v: nftnl_rule_attr) -> UInt16 { UInt16(v.rawValue) }

  init() throws {
    guard let p = nftnl_rule_alloc() else { throw NetlinkError.outOfMemory(what: "rule") }
    rule = p
    pool = .allocate(capacity: RegisterExpr.poolSlots)
    pool.initialize(repeating: [], count: RegisterExpr.poolSlots)
    state = .allocate(capacity: 1)
    state.initialize(to: State())
  }

  deinit {
    nftnl_rule_free(rule)
    for slot in 0..<RegisterExpr.poolSlots {
      for p in pool[slot] { nftnl_expr_free(p) }
    }
    pool.deinitialize(count: RegisterExpr.poolSlots)
    pool.deallocate()
    state.deinitialize(count: 1)
    state.deallocate()
  }

  /// Adds the attributes of a rule of `chain` in `table` made of `exprs`, with an optional
  /// comment, to `nlh`: the same bytes as `NftnlRule(table:chain:exprs:comment:)` builds.
  func build(_ nlh: UnsafeMutablePointer<nlmsghdr>, table: String, chain: String, exprs: [RegisterExpr], comment: String?) throws {
    if table != state.pointee.table {
      table.withCString { _ = nftnl_rule_set_str(rule, Self.a(NFTNL_RULE_TABLE), $0) }
      state.pointee.table = table
    }
    if chain != state.pointee.chain {
      chain.withCString { _ = nftnl_rule_set_str(rule, Self.a(NFTNL_RULE_CHAIN), $0) }
      state.pointee.chain = chain
    }
    if let comment {
      UserData.withComment(comment) { _ = nftnl_rule_set_data(rule, Self.a(NFTNL_RULE_USERDATA), $0.baseAddress, UInt32($0.count)) }
      state.pointee.hasUserData = true
    } else if state.pointee.hasUserData {
      nftnl_rule_unset(rule, Self.a(NFTNL_RULE_USERDATA))
      state.pointee.hasUserData = false
    }
    try withUnsafeTemporaryAllocation(of: Int.self, capacity: RegisterExpr.poolSlots) { used in
      _ = used.initialize(from: repeatElement(0, count: RegisterExpr.poolSlots))
      try withUnsafeTemporaryAllocation(of: OpaquePointer.self, capacity: exprs.count) { attached in
        var attachedCount = 0
        var unpooled: [OpaquePointer] = []
        defer {
          for i in 0..<attachedCount { nftnl_rule_del_expr(attached[i]) }
          for p in unpooled { nftnl_expr_free(p) }
        }
        for e in exprs {
          let p: OpaquePointer
          if let slot = e.poolSlot {
            if used[slot] < pool[slot].count {
              p = pool[slot][used[slot]]
              NftnlExpression.fill(p, e)
            } else {
              p = try NftnlExpression.make(e)
              pool[slot].append(p)
            }
            used[slot] += 1
          } else {
            p = try NftnlExpression.make(e)
            unpooled.append(p)
          }
          nftnl_rule_add_expr(rule, p)
          attached[attachedCount] = p
          attachedCount += 1
        }
        nftnl_rule_nlmsg_build_payload(nlh, rule)
      }
    }
  }
}

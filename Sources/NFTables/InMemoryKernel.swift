// An in-memory stand-in for nf_tables: applies transactions to a Ruleset with the kernel's
// reference rules (no dangling jumps or set references, no deleting what is still in use),
// all-or-nothing like a netlink batch. For tests of diffs and of code that drives a backend.

/// Why the in-memory kernel refused a command (named like the errno the kernel returns).
public struct InMemoryKernelError: Error, Sendable, Hashable, CustomStringConvertible {
  public enum Code: String, Sendable, Hashable {
    /// ENOENT: the object, or one it refers to, does not exist.
    case noEntry = "ENOENT"
    /// EBUSY: the object is still referenced.
    case busy = "EBUSY"
    /// EEXIST: an object with that name exists with a different definition.
    case exists = "EEXIST"
  }
  public var code: Code
  /// The index of the failing command in the transaction.
  public var commandIndex: Int
  public var detail: String
  public var description: String { "command \(commandIndex): \(detail) (\(code.rawValue))" }
}

/// The kernel's tables, kept as a Ruleset (tables, sets and chains in creation order).
public struct InMemoryKernel: Sendable {
  public private(set) var ruleset = Ruleset()

  public init(_ ruleset: Ruleset = Ruleset()) { self.ruleset = ruleset }

  /// Applies every command or none (on error the state is unchanged).
  public mutating func apply(_ tx: Transaction) throws(InMemoryKernelError) {
    var work = ruleset
    for (i, c) in tx.commands.enumerated() {
      try Self.apply(c, index: i, to: &work)
    }
    ruleset = work
  }

  static func apply(_ command: Command, index: Int, to r: inout Ruleset) throws(InMemoryKernelError) {
    func fail(_ code: InMemoryKernelError.Code, _ detail: String) -> InMemoryKernelError {
      InMemoryKernelError(code: code, commandIndex: index, detail: detail)
    }
    func tableIndex(_ t: TableRef) throws(InMemoryKernelError) -> Int {
      guard let i = r.tables.firstIndex(where: { $0.ref == t }) else { throw fail(.noEntry, "table \(t) does not exist") }
      return i
    }
    switch command {
    case .addTable(let t, let comment):
      if r.tables.firstIndex(where: { $0.ref == t }) == nil {
        r.tables.append(Table(family: t.family, name: t.name, comment: comment))
      }
    case .deleteTable(let t):
      let ti = try tableIndex(t)
      r.tables.remove(at: ti)
    case .addChain(let t, let c):
      let ti = try tableIndex(t)
      if let existing = r.tables[ti].chains.firstIndex(where: { $0.name == c.name }) {
        if r.tables[ti].chains[existing].header != c.header { throw fail(.exists, "chain \(c.name) exists with another definition") }
      } else {
        r.tables[ti].chains.append(c.header)
      }
    case .flushChain(let t, let name):
      let ti = try tableIndex(t)
      guard let ci = r.tables[ti].chains.firstIndex(where: { $0.name == name }) else {
        throw fail(.noEntry, "chain \(name) does not exist")
      }
      r.tables[ti].chains[ci].rules = []
    case .deleteChain(let t, let name):
      let ti = try tableIndex(t)
      guard let ci = r.tables[ti].chains.firstIndex(where: { $0.name == name }) else {
        throw fail(.noEntry, "chain \(name) does not exist")
      }
      if !r.tables[ti].chains[ci].rules.isEmpty { throw fail(.busy, "chain \(name) still has rules") }
      if let user = Self.chainUser(r.tables[ti], name) { throw fail(.busy, "chain \(name) is still the target of \(user)") }
      r.tables[ti].chains.remove(at: ci)
    case .addRule(let t, let chain, let rule):
      let ti = try tableIndex(t)
      guard let ci = r.tables[ti].chains.firstIndex(where: { $0.name == chain }) else {
        throw fail(.noEntry, "chain \(chain) does not exist")
      }
      for e in rule.exprs {
        if let s = e.referencedSet, !r.tables[ti].sets.contains(where: { $0.name == s }) {
          throw fail(.noEntry, "set \(s) used in chain \(chain) does not exist")
        }
        switch e {
        case .verdict(let v):
          if let target = v.targetChain, !r.tables[ti].chains.contains(where: { $0.name == target }) {
            throw fail(.noEntry, "chain \(target) targeted from chain \(chain) does not exist")
          }
        default: break
        }
      }
      r.tables[ti].chains[ci].rules.append(rule)
    case .addSet(let t, let s):
      let ti = try tableIndex(t)
      if let existing = r.tables[ti].sets.firstIndex(where: { $0.name == s.name }) {
        if r.tables[ti].sets[existing].header != s.header { throw fail(.exists, "set \(s.name) exists with another definition") }
      } else {
        r.tables[ti].sets.append(s.header)
      }
    case .deleteSet(let t, let name, _):
      let ti = try tableIndex(t)
      guard let si = r.tables[ti].sets.firstIndex(where: { $0.name == name }) else { throw fail(.noEntry, "set \(name) does not exist") }
      if let user = r.tables[ti].chains.first(where: { $0.referencedSets.contains(name) }) {
        throw fail(.busy, "set \(name) is still used by chain \(user.name)")
      }
      r.tables[ti].sets.remove(at: si)
    case .flushSet(let t, let name, _):
      let ti = try tableIndex(t)
      guard let si = r.tables[ti].sets.firstIndex(where: { $0.name == name }) else { throw fail(.noEntry, "set \(name) does not exist") }
      r.tables[ti].sets[si].elements = []
    case .addElements(let t, let set, let elements):
      let ti = try tableIndex(t)
      guard let si = r.tables[ti].sets.firstIndex(where: { $0.name == set.name }) else {
        throw fail(.noEntry, "set \(set.name) does not exist")
      }
      for e in elements {
        if case .verdict(let v) = e.data, let target = v.targetChain, !r.tables[ti].chains.contains(where: { $0.name == target }) {
          throw fail(.noEntry, "chain \(target) targeted from set \(set.name) does not exist")
        }
        if case .object(let counter) = e.data, !r.tables[ti].counters.contains(where: { $0.name == counter }) {
          throw fail(.noEntry, "counter \(counter) named in set \(set.name) does not exist")
        }
        if let existing = r.tables[ti].sets[si].elements.firstIndex(where: { $0.key == e.key }) {
          if r.tables[ti].sets[si].elements[existing] != e { throw fail(.exists, "element of \(set.name) exists with other data") }
        } else {
          r.tables[ti].sets[si].elements.append(e)
        }
      }
    case .addCounter(let t, let c):
      let ti = try tableIndex(t)
      if let existing = r.tables[ti].counters.first(where: { $0.name == c.name }) {
        if existing.comment != c.comment { throw fail(.exists, "counter \(c.name) exists with another definition") }
      } else {
        r.tables[ti].counters.append(c.declaration)
      }
    case .deleteCounter(let t, let name):
      let ti = try tableIndex(t)
      guard let ci = r.tables[ti].counters.firstIndex(where: { $0.name == name }) else {
        throw fail(.noEntry, "counter \(name) does not exist")
      }
      if let user = r.tables[ti].sets.first(where: { s in s.elements.contains { $0.data == .object(name) } }) {
        throw fail(.busy, "counter \(name) is still named in set \(user.name)")
      }
      r.tables[ti].counters.remove(at: ci)
    case .deleteElements(let t, let set, let elements):
      let ti = try tableIndex(t)
      guard let si = r.tables[ti].sets.firstIndex(where: { $0.name == set.name }) else {
        throw fail(.noEntry, "set \(set.name) does not exist")
      }
      for e in elements {
        guard let existing = r.tables[ti].sets[si].elements.firstIndex(where: { $0.key == e.key }) else {
          throw fail(.noEntry, "element of \(set.name) does not exist")
        }
        r.tables[ti].sets[si].elements.remove(at: existing)
      }
    }
  }

  /// A rule or map element that jumps to `chain`, described, or nil.
  static func chainUser(_ t: Table, _ chain: String) -> String? {
    for c in t.chains
    where c.rules.contains(where: { $0.exprs.contains(.verdict(.jump(chain))) || $0.exprs.contains(.verdict(.goto(chain))) }) {
      return "a rule in chain \(c.name)"
    }
    for s in t.sets where s.elements.contains(where: { $0.data?.targetChain == chain }) {
      return "an element of \(s.name)"
    }
    return nil
  }
}

extension ElementData {
  var targetChain: String? {
    switch self {
    case .verdict(let v): v.targetChain
    case .values, .object: nil
    }
  }
}

// A transaction: an ordered list of commands against kproxy's tables. It validates names as
// it is built (keeping the first error), and its text form is exactly the `nft -f` script.

/// A table's identity.
public struct TableRef: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var family: TableFamily
  public var name: String
  public init(family: TableFamily, name: String) {
    self.family = family
    self.name = name
  }
  public var description: String { "\(family.rawValue) \(name)" }
  public static func < (a: TableRef, b: TableRef) -> Bool { (a.family, a.name) < (b.family, b.name) }
}

extension Table {
  public var ref: TableRef { TableRef(family: family, name: name) }
}

/// One command of a transaction.
public enum Command: Sendable, Hashable {
  /// `add table F N [{ comment "C" }]` (creates it if missing).
  case addTable(TableRef, comment: String?)
  /// `delete table F N`.
  case deleteTable(TableRef)
  /// `add chain F N C [{ type ... }]` with the chain's header (its rules are separate commands).
  case addChain(TableRef, Chain)
  case flushChain(TableRef, chain: String)
  case deleteChain(TableRef, chain: String)
  /// `add rule F N CHAIN EXPRS`: appends a rule.
  case addRule(TableRef, chain: String, Rule)
  /// `add set|map F N S { ... }` with the set's header (elements are separate commands).
  case addSet(TableRef, NFTSet)
  case deleteSet(TableRef, set: String, isMap: Bool)
  /// `add element F N S { ... }`.
  case addElements(TableRef, set: NFTSet, [Element])
  /// `delete element F N S { KEYS }`.
  case deleteElements(TableRef, set: NFTSet, [Element])
  /// `flush set|map F N S`: removes every element, keeping the set (its handle, the rules
  /// that use it); elements added later in the same transaction replace them atomically.
  case flushSet(TableRef, set: String, isMap: Bool)
  /// `add counter F N C [{ comment "C"; }]`: creates the counter at zero (kept if it exists).
  case addCounter(TableRef, CounterObject)
  /// `delete counter F N C` (refused while a map element refers to it).
  case deleteCounter(TableRef, counter: String)
}

/// Why a transaction cannot be rendered or applied.
public enum TransactionError: Error, Sendable, Hashable, CustomStringConvertible {
  case invalidName(kind: String, name: String)
  case invalidComment(object: String, comment: String)

  public var description: String {
    switch self {
    case .invalidName(let kind, let name): "invalid nftables \(kind) name \"\(name)\""
    case .invalidComment(let object, let comment): "invalid comment on \(object): \"\(comment)\""
    }
  }
}

/// An ordered list of commands applied as one atomic nftables transaction.
public struct Transaction: Sendable, Hashable {
  public private(set) var commands: [Command] = []
  /// The first validation error met while building, if any.
  public private(set) var error: TransactionError?

  public init() {}

  public var isEmpty: Bool { commands.isEmpty }

  public mutating func add(_ command: Command) {
    if error == nil { error = Self.validate(command) }
    commands.append(command)
  }

  public mutating func append(contentsOf other: Transaction) {
    for c in other.commands { add(c) }
  }

  static func validate(_ command: Command) -> TransactionError? {
    func name(_ kind: String, _ n: String) -> TransactionError? {
      Identifier.isValid(n) ? nil : .invalidName(kind: kind, name: n)
    }
    func comment(_ object: @autoclosure () -> String, _ c: String?) -> TransactionError? {
      guard let c, !Identifier.isValidComment(c) else { return nil }
      return .invalidComment(object: object(), comment: c)
    }
    func verdictTarget(_ v: Verdict) -> TransactionError? {
      v.targetChain.flatMap { name("chain", $0) }
    }
    switch command {
    case .addTable(let t, let c): return name("table", t.name) ?? comment("table \(t.name)", c)
    case .deleteTable(let t): return name("table", t.name)
    case .addChain(_, let c): return name("chain", c.name) ?? comment("chain \(c.name)", c.comment)
    case .flushChain(_, let c), .deleteChain(_, let c): return name("chain", c)
    case .addRule(_, let c, let r):
      if let e = name("chain", c) ?? comment("rule in \(c)", r.comment) { return e }
      for e in r.exprs {
        if let s = e.referencedSet, let err = name("set", s) { return err }
        switch e {
        case .verdict(let v):
          if let err = verdictTarget(v) { return err }
        default: break
        }
      }
      return nil
    case .addSet(_, let s): return name("set", s.name) ?? comment("set \(s.name)", s.comment)
    case .deleteSet(_, let s, _), .flushSet(_, let s, _): return name("set", s)
    case .addElements(_, let s, let es), .deleteElements(_, let s, let es):
      if let e = name("set", s.name) { return e }
      for el in es {
        if let e = comment("element of \(s.name)", el.comment) { return e }
        if case .verdict(let v) = el.data, let e = verdictTarget(v) { return e }
        if case .object(let o) = el.data, let e = name("counter", o) { return e }
      }
      return nil
    case .addCounter(_, let c): return name("counter", c.name) ?? comment("counter \(c.name)", c.comment)
    case .deleteCounter(_, let c): return name("counter", c)
    }
  }
}

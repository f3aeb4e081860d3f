// The ruleset's objects as plain values: rules, chains, sets/maps with their elements, tables.
import NetAddress

/// A rule: an ordered list of expressions and an optional comment.
public struct Rule: Sendable, Hashable {
  public var exprs: [Expr]
  public var comment: String?
  public init(_ exprs: [Expr], comment: String? = nil) {
    self.exprs = exprs
    self.comment = comment
  }
}

/// A chain; a base chain when `base` is set.
public struct Chain: Sendable, Hashable {
  public var name: String
  public var base: BaseChain?
  public var comment: String?
  public var rules: [Rule]
  public init(name: String, base: BaseChain? = nil, comment: String? = nil, rules: [Rule] = []) {
    self.name = name
    self.base = base
    self.comment = comment
    self.rules = rules
  }

  /// The chain without its rules (what `add chain` creates).
  public var header: Chain { Chain(name: name, base: base, comment: comment) }
}

/// Set flags. Render as `flags constant,interval,dynamic,timeout` in nft's order.
public struct SetFlags: OptionSet, Sendable, Hashable {
  public let rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  /// NFT_SET_CONSTANT
  public static let constant = SetFlags(rawValue: 0x2)
  /// NFT_SET_INTERVAL
  public static let interval = SetFlags(rawValue: 0x4)
  /// NFT_SET_TIMEOUT
  public static let timeout = SetFlags(rawValue: 0x10)
  /// NFT_SET_EVAL (nft's `dynamic`)
  public static let dynamic = SetFlags(rawValue: 0x20)
}

/// The data of a map element.
public enum ElementData: Sendable, Hashable {
  case verdict(Verdict)
  /// Concatenated values (`10.0.0.1 . 8080`), one per data type of the map.
  case values([Value])
  /// The name of a stateful object of the table (`: "NAME"` in a `: counter` map).
  case object(String)
}

/// A set or map element: key components (one per concatenated type) and optional data.
public struct Element: Sendable, Hashable {
  public var key: [Value]
  public var data: ElementData?
  public var comment: String?
  public init(_ key: [Value], data: ElementData? = nil, comment: String? = nil) {
    self.key = key
    self.data = data
    self.comment = comment
  }

  /// The identity of an element inside its set (key only: a set holds one element per key).
  public var keyOnly: Element { Element(key) }
}

/// A set declared by the expressions it is matched with (`typeof ip daddr . numgen random mod 1`),
/// for keys that have no type name of their own (a `numgen` result is a plain integer).
public struct SetTypeof: Sendable, Hashable {
  public var key: [Field]
  public var data: [Field]?
  public init(key: [Field], data: [Field]? = nil) {
    self.key = key
    self.data = data
  }
}

/// A named set (`dataType == nil`) or map; a map's data may be a concatenation.
public struct NFTSet: Sendable, Hashable {
  public var name: String
  public var keyType: [DataType]
  public var dataType: [DataType]?
  /// Declared with `typeof` instead of `type` (the types above are then the fields' types).
  public var typeof: SetTypeof?
  public var flags: SetFlags
  /// Default element timeout in seconds (`timeout 3h`).
  public var timeoutSeconds: Int?
  /// Maximum number of elements (`size N`).
  public var size: Int?
  public var comment: String?
  public var elements: [Element]

  public init(
    name: String, keyType: [DataType], dataType: [DataType]? = nil, typeof: SetTypeof? = nil, flags: SetFlags = [],
    timeoutSeconds: Int? = nil, size: Int? = nil, comment: String? = nil, elements: [Element] = []
  ) {
    self.name = name
    self.keyType = keyType
    self.dataType = dataType
    self.typeof = typeof
    self.flags = flags
    self.timeoutSeconds = timeoutSeconds
    self.size = size
    self.comment = comment
    self.elements = elements
  }

  public var isMap: Bool { dataType != nil }
  /// A verdict map (`: verdict`).
  public var isVerdictMap: Bool { dataType == [.verdict] }

  /// The set without its elements (what `add set` creates).
  public var header: NFTSet {
    NFTSet(
      name: name, keyType: keyType, dataType: dataType, typeof: typeof, flags: flags, timeoutSeconds: timeoutSeconds, size: size,
      comment: comment)
  }
}

/// A named counter object: `counter NAME { comment "C" }`. Rules and `: counter` maps refer
/// to it by name, so its values survive rule and element changes. The corresponding libnftnl
/// object is `nftnl_obj` of type NFT_OBJECT_COUNTER.
public struct CounterObject: Sendable, Hashable {
  public var name: String
  public var comment: String?
  /// The kernel's values (read back); zero in a compiled ruleset. Ignored by diffs: a kept
  /// counter is never reset.
  public var packets: UInt64
  public var bytes: UInt64
  public init(name: String, comment: String? = nil, packets: UInt64 = 0, bytes: UInt64 = 0) {
    self.name = name
    self.comment = comment
    self.packets = packets
    self.bytes = bytes
  }

  /// The counter as declared (what `add counter` creates): values left out.
  public var declaration: CounterObject { CounterObject(name: name, comment: comment) }
}

/// A table with its counters, sets and chains, in rendering order.
public struct Table: Sendable, Hashable {
  public var family: TableFamily
  public var name: String
  public var comment: String?
  public var counters: [CounterObject]
  public var sets: [NFTSet]
  public var chains: [Chain]
  public init(
    family: TableFamily, name: String, comment: String? = nil, counters: [CounterObject] = [], sets: [NFTSet] = [],
    chains: [Chain] = []
  ) {
    self.family = family
    self.name = name
    self.comment = comment
    self.counters = counters
    self.sets = sets
    self.chains = chains
  }
}

/// The tables kproxy owns. Tables not listed here are never touched.
public struct Ruleset: Sendable, Hashable {
  public var tables: [Table]
  /// Tables kproxy owns that must not exist (e.g. `ip6 kproxy` on a node that serves no
  /// IPv6): the script and the replace transaction delete them if present.
  public var absentTables: [TableRef]
  public init(tables: [Table] = [], absentTables: [TableRef] = []) {
    self.tables = tables
    self.absentTables = absentTables
  }
}

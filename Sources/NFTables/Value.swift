// Constant operands of rule expressions and set elements: addresses, prefixes, protocols,
// ports, marks and conntrack states, each with the byte layout the kernel compares against.
import NetAddress

/// IP protocol numbers kproxy matches on. Renders as `tcp`, `udp`, `sctp`.
public enum IPProto: UInt8, Sendable, Hashable, Comparable {
  case tcp = 6
  case udp = 17
  case sctp = 132

  public var name: String {
    switch self {
    case .tcp: "tcp"
    case .udp: "udp"
    case .sctp: "sctp"
    }
  }

  public static func < (a: IPProto, b: IPProto) -> Bool { a.rawValue < b.rawValue }
}

/// Conntrack states (`ct state`). Bit values are the kernel's NF_CT_STATE_* bits.
public enum CtState: UInt32, Sendable, Hashable {
  case invalid = 1
  case established = 2
  case related = 4
  case new = 8
  case untracked = 64

  public var name: String {
    switch self {
    case .invalid: "invalid"
    case .established: "established"
    case .related: "related"
    case .new: "new"
    case .untracked: "untracked"
    }
  }
}

/// Conntrack status bits (`ct status`); kproxy uses only `dnat` (IPS_DST_NAT).
public enum CtStatus: UInt32, Sendable, Hashable {
  case dnat = 0x20
  public var name: String { "dnat" }
}

/// Route types from `fib ... type`; kproxy uses only `local` (RTN_LOCAL).
public enum FibAddrType: UInt32, Sendable, Hashable {
  case local = 2
  public var name: String { "local" }
}

/// A constant in a comparison or a set element component.
public enum Value: Sendable, Hashable {
  case address(IPAddress)
  case prefix(IPPrefix)
  case proto(IPProto)
  case port(UInt16)
  /// A 32-bit integer: marks (rendered as `0x%08x`) and numgen results (decimal).
  case integer(UInt32)
  case ctState(CtState)
  case ctStatus(CtStatus)
  case fibType(FibAddrType)
}

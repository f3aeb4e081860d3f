// An IP address and a port: where a connection goes or comes from, as the proxy's layers speak
// of it (a DNAT target, a programmed endpoint, a socket address of the relay).

/// An IPv4 or IPv6 address with a port. Prints as `10.0.0.1:80` or `[fd00::1]:80`; orders by
/// address, then port.
public struct IPEndpoint: Sendable, Hashable, Comparable, CustomStringConvertible {
  public var address: IPAddress
  public var port: UInt16

  public init(address: IPAddress, port: UInt16) {
    self.address = address
    self.port = port
  }

  public var description: String { address.family == .v6 ? "[\(address)]:\(port)" : "\(address):\(port)" }

  public static func < (a: Self, b: Self) -> Bool { (a.address, a.port) < (b.address, b.port) }
}

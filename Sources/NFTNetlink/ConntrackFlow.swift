// One conntrack flow as ctnetlink reports it: layer-4 protocol, original and reply tuples,
// zone and id (what a delete needs to name exactly this flow and no later one).
import NetAddress

/// One direction of a flow: addresses and ports. The corresponding attribute is
/// `CTA_TUPLE_ORIG` or `CTA_TUPLE_REPLY` (`CTA_TUPLE_IP` + `CTA_TUPLE_PROTO`).
public struct ConntrackTuple: Sendable, Hashable, CustomStringConvertible {
  public var source: IPAddress
  public var destination: IPAddress
  public var sourcePort: UInt16
  public var destinationPort: UInt16

  public init(source: IPAddress, destination: IPAddress, sourcePort: UInt16, destinationPort: UInt16) {
    self.source = source
    self.destination = destination
    self.sourcePort = sourcePort
    self.destinationPort = destinationPort
  }

  /// As `conntrack -L` prints it: `src=A dst=B sport=P dport=Q`.
  public var description: String { "src=\(source) dst=\(destination) sport=\(sourcePort) dport=\(destinationPort)" }
}

/// A conntrack entry (`struct nf_conn`) of a port-based protocol (TCP, UDP, SCTP).
public struct ConntrackFlow: Sendable, Hashable, CustomStringConvertible {
  /// IANA protocol number: 17 is UDP (`CTA_PROTO_NUM`).
  public var protocolNumber: UInt8
  /// The first packet's tuple (`--orig-src`, `--orig-dst`, …).
  public var original: ConntrackTuple
  /// The tuple answers carry: after DNAT its source is the endpoint (`--reply-src`).
  public var reply: ConntrackTuple
  /// The conntrack zone (`CTA_ZONE`), 0 for the default one.
  public var zone: UInt16
  /// The kernel's id of this entry (`CTA_ID`): a delete carrying it removes only this entry,
  /// not one created later for the same tuple.
  public var id: UInt32?

  public init(protocolNumber: UInt8, original: ConntrackTuple, reply: ConntrackTuple, zone: UInt16 = 0, id: UInt32? = nil) {
    self.protocolNumber = protocolNumber
    self.original = original
    self.reply = reply
    self.zone = zone
    self.id = id
  }

  public static let udp: UInt8 = 17

  public var family: IPFamily { original.source.family }

  /// As `conntrack -L` prints it: `udp src=… dst=… sport=… dport=… src=… …`.
  public var description: String {
    let name = protocolNumber == Self.udp ? "udp" : protocolNumber == 6 ? "tcp" : protocolNumber == 132 ? "sctp" : "proto \(protocolNumber)"
    return "\(name) \(original) \(reply)" + (zone != 0 ? " zone=\(zone)" : "")
  }
}

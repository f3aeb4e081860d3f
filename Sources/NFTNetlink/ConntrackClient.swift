// A ctnetlink connection in one network namespace: dumps the conntrack table of a family once
// and deletes the flows a caller's filter picks, in batches, each delete acknowledged.
import CNftnl
import Foundation
import NetAddress

/// What one cleanup did.
public struct ConntrackCleanupCount: Sendable, Hashable {
  /// Flows of the family and protocol the dump returned.
  public var examined = 0
  /// Flows the kernel deleted.
  public var deleted = 0
  /// Flows the filter picked that were gone (expired, or replaced) before their delete.
  public var alreadyGone = 0
  public init(examined: Int = 0, deleted: Int = 0, alreadyGone: Int = 0) {
    self.examined = examined
    self.deleted = deleted
    self.alreadyGone = alreadyGone
  }
}

/// A NETLINK_NETFILTER socket speaking to the conntrack subsystem (nf_conntrack_netlink).
/// The corresponding libnetfilter_conntrack calls are `nfct_query(NFCT_Q_DUMP_FILTER)` and
/// `nfct_query(NFCT_Q_DESTROY)`.
public final class ConntrackClient {
  private let socket: NetlinkSocket
  private var seq: UInt32
  /// Deletes per datagram: each is acknowledged, and the ACKs must fit the receive buffer.
  static let deleteBatchSize = 256

  /// Opens the socket, inside `namespace` when given (conntrack tables are per namespace).
  public init(namespace: NetworkNamespace? = nil) throws {
    socket = try NetlinkSocket(namespace: namespace)
    seq = UInt32(truncatingIfNeeded: time(nil))
  }

  /// Dumps the `family` table once (only flows of `protocolNumber` when given) and passes each
  /// flow with ports to `body`.
  public func forEachFlow(family: IPFamily, protocolNumber: UInt8?, _ body: (ConntrackFlow) throws -> Void) throws {
    do {
      try dump(family: family, protocolNumber: protocolNumber, body)
    } catch ConntrackError.dump(_, let e) where protocolNumber != nil && (e == EINVAL || e == EOPNOTSUPP) {
      // A kernel without dump filters (before 5.8) that refuses the attribute: filter here.
      try dump(family: family, protocolNumber: nil) { flow in
        if flow.protocolNumber == protocolNumber { try body(flow) }
      }
    }
  }

  private func dump(family: IPFamily, protocolNumber: UInt8?, _ body: (ConntrackFlow) throws -> Void) throws {
    seq &+= 1
    let mySeq = seq
    let request = ConntrackMessage.dumpRequest(family: family, protocolNumber: protocolNumber, seq: mySeq)
    try request.withUnsafeBytes { try socket.send($0) }
    var done = false
    while !done {
      _ = try socket.receive(wait: true) { nlh in
        guard nlh.pointee.nlmsg_seq == mySeq else { return }
        switch Int32(nlh.pointee.nlmsg_type) {
        case NLMSG_DONE:
          done = true
        case NLMSG_ERROR:
          let err = UnsafeRawPointer(nlh).advanced(by: MemoryLayout<nlmsghdr>.size).assumingMemoryBound(to: nlmsgerr.self).pointee
          if err.error != 0 { throw ConntrackError.dump(family: family.rawValue, errno: -err.error) }
          done = true
        default:
          let message = UnsafeRawBufferPointer(start: UnsafeRawPointer(nlh), count: Int(nlh.pointee.nlmsg_len))
          guard let flow = try ConntrackMessage.parseFlow(message), flow.family == family else { return }
          if protocolNumber == nil || flow.protocolNumber == protocolNumber { try body(flow) }
        }
      }
    }
  }

  /// Deletes `flows` (each by its original tuple, zone and id), `deleteBatchSize` per datagram.
  /// A flow already gone (ENOENT) is counted, not an error; other failures do not stop the
  /// rest, and the first is thrown at the end with the number of others.
  public func delete(_ flows: [ConntrackFlow]) throws -> ConntrackCleanupCount {
    var count = ConntrackCleanupCount()
    var failures: [(flow: ConntrackFlow, errno: Int32)] = []
    guard !flows.isEmpty else { return count }
    try socket.reserveBuffers(send: 1 << 20, receive: 1 << 20)
    var start = 0
    while start < flows.count {
      let batch = Array(flows[start..<min(start + Self.deleteBatchSize, flows.count)])
      start += batch.count
      let first = seq &+ 1
      var bytes: [UInt8] = []
      for flow in batch {
        seq &+= 1
        bytes += ConntrackMessage.deleteRequest(flow, seq: seq)
      }
      try bytes.withUnsafeBytes { try socket.send($0) }
      var answered = [Bool](repeating: false, count: batch.count)
      var remaining = batch.count
      while remaining > 0 {
        _ = try socket.receive(wait: true) { nlh in
          guard Int32(nlh.pointee.nlmsg_type) == NLMSG_ERROR else { return }
          let index = Int(nlh.pointee.nlmsg_seq &- first)
          guard index >= 0, index < batch.count, !answered[index] else { return }
          answered[index] = true
          remaining -= 1
          let err = UnsafeRawPointer(nlh).advanced(by: MemoryLayout<nlmsghdr>.size).assumingMemoryBound(to: nlmsgerr.self).pointee
          switch -err.error {
          case 0: count.deleted += 1
          case ENOENT: count.alreadyGone += 1
          case let e: failures.append((batch[index], e))
          }
        }
      }
    }
    if let f = failures.first { throw ConntrackError.delete(flow: f.flow.description, errno: f.errno, more: failures.count - 1) }
    return count
  }

  /// Dumps the `family` table's flows of `protocolNumber` once and deletes those `isStale` picks.
  public func deleteFlows(
    family: IPFamily, protocolNumber: UInt8, where isStale: (ConntrackFlow) -> Bool
  ) throws -> ConntrackCleanupCount {
    var examined = 0
    var stale: [ConntrackFlow] = []
    try forEachFlow(family: family, protocolNumber: protocolNumber) { flow in
      examined += 1
      if isStale(flow) { stale.append(flow) }
    }
    var count = try delete(stale)
    count.examined = examined
    return count
  }
}

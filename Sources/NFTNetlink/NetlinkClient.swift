// The netlink backend's entry point: applies transactions as one atomic NFNL batch and reads
// every acknowledgement, mapping a kernel error back to the command that caused it.
import CNftnl
import Foundation
import NFTables

/// A connection to nf_tables in one network namespace.
public final class NetlinkClient {
  let socket: NetlinkSocket
  var seq: UInt32

  /// Opens a netfilter netlink socket, inside `namespace` when given.
  public init(namespace: NetworkNamespace? = nil) throws {
    socket = try NetlinkSocket(namespace: namespace)
    seq = UInt32(truncatingIfNeeded: time(nil))
  }

  /// Applies `tx` atomically. `knownSets` are sets that already exist (or will, per the desired
  /// ruleset) which rules of `tx` may refer to; sets added by `tx` itself are known anyway.
  public func apply(_ tx: Transaction, knownSets: Ruleset = Ruleset()) throws {
    if let e = tx.error { throw NetlinkError.lowering(operation: "validate transaction", reason: e.description) }
    guard !tx.isEmpty else { return }
    var sets: [TableRef: [String: NFTSet]] = [:]
    for t in knownSets.tables {
      for s in t.sets { sets[t.ref, default: [:]][s.name] = s.header }
    }
    var encoder = TransactionEncoder(sets: sets)
    let batch = try encoder.encode(tx, seq: seq)
    seq &+= UInt32(batch.operations.count + 2)
    // Room for the batch in one datagram, and for one ACK per message (each costs about
    // one kilobyte of receive buffer in the kernel's accounting).
    try socket.reserveBuffers(send: batch.writer.count + 4096, receive: max(1 << 20, batch.operations.count * 1024 + 65536))
    try batch.withBytes { try socket.send($0) }
    try collectAcks(batch)
  }

  /// Reads one ACK or error per command message. The kernel answers the whole batch before
  /// `send` returns, so everything is already queued; a missing ACK is an error too.
  func collectAcks(_ batch: EncodedBatch) throws {
    var tracker = AckTracker(batch: batch)
    while !tracker.isComplete {
      let got = try socket.receive(wait: false) { nlh in
        guard nlh.pointee.nlmsg_type == UInt16(NLMSG_ERROR) else { return }
        let err = UnsafeRawPointer(nlh).advanced(by: MemoryLayout<nlmsghdr>.size).assumingMemoryBound(to: nlmsgerr.self).pointee
        tracker.record(seq: err.msg.nlmsg_seq, errno: -err.error)
      }
      if !got { break }
    }
    try tracker.check()
  }
}

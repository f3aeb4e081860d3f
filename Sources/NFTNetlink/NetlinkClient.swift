// The netlink backend's entry point: applies transactions as one atomic NFNL batch and reads
// every acknowledgement, mapping a kernel error back to the command that caused it.
import CNftnl
import Foundation
import NFTables

/// A connection to nf_tables in one network namespace.
public final class NetlinkClient {
  let socket: NetlinkSocket
  var seq: UInt32
  /// The namespace the socket was opened in (nil: the process's own).
  let namespace: NetworkNamespace?

  /// Opens a netfilter netlink socket, inside `namespace` when given.
  public init(namespace: NetworkNamespace? = nil) throws {
    self.namespace = namespace
    socket = try NetlinkSocket(namespace: namespace)
    seq = UInt32(truncatingIfNeeded: time(nil))
  }

  /// Applies `tx` atomically. `knownSets` are sets that already exist (or will, per the desired
  /// ruleset) which rules of `tx` may refer to; sets added by `tx` itself are known anyway, and
  /// the declarations of other sets its rules use are read from the kernel (a rule is lowered
  /// by its sets' key types; an incremental transaction can refer to sets an earlier one made).
  public func apply(_ tx: Transaction, knownSets: Ruleset = Ruleset()) throws {
    try apply(tx, knownSets: knownSets, generation: nil)
  }

  /// As `apply(_:knownSets:)`; with `generation`, the kernel refuses the batch (ERESTART,
  /// `NetlinkError.isStaleGeneration`) unless the ruleset generation is still that one.
  func apply(_ tx: Transaction, knownSets: Ruleset, generation: UInt32?) throws {
    if let e = tx.error { throw NetlinkError.lowering(operation: "validate transaction", reason: e.description) }
    guard !tx.isEmpty else { return }
    var sets: [TableRef: [String: NFTSet]] = [:]
    for t in knownSets.tables {
      for s in t.sets { sets[t.ref, default: [:]][s.name] = s.header }
    }
    try declareUsedSets(of: tx, in: &sets)
    var encoder = TransactionEncoder(sets: sets)
    let batch = try encoder.encode(tx, seq: seq, generation: generation)
    seq &+= UInt32(batch.operations.count + 2)
    // Room for the batch in one datagram, and for one ACK per message (each costs about
    // one kilobyte of receive buffer in the kernel's accounting).
    try socket.reserveBuffers(send: batch.writer.count + 4096, receive: max(1 << 20, batch.operations.count * 1024 + 65536))
    try batch.withBytes { try socket.send($0) }
    try collectAcks(batch)
  }

  /// Adds the kernel's declarations of the sets `tx`'s rules use that neither `sets` nor `tx`
  /// declares (one set dump per table that has such a set; none when all are known).
  func declareUsedSets(of tx: Transaction, in sets: inout [TableRef: [String: NFTSet]]) throws {
    var missing: [TableRef: Set<String>] = [:]
    var added: [TableRef: Set<String>] = [:]
    for command in tx.commands {
      switch command {
      case .addSet(let t, let s): added[t, default: []].insert(s.name)
      case .addRule(let t, _, let r):
        for e in r.exprs {
          if let name = e.referencedSet, sets[t]?[name] == nil, added[t]?.contains(name) != true { missing[t, default: []].insert(name) }
        }
      default: break
      }
    }
    for (ref, names) in missing {
      do {
        try forEachSet(in: ref) { s in
          guard names.contains(s.name), let header = s.header else { return }
          sets[ref, default: [:]][s.name] = header
        }
      } catch NetlinkError.rejected(_, let errno) where errno == ENOENT {
        // No such table yet: the lowering reports the undeclared set by name.
      }
    }
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

// Bookkeeping of a batch's acknowledgements: which command messages were acknowledged, which
// failed, and the error to report (the first failed command, by its description).
struct AckTracker {
  let batch: EncodedBatch
  private var acked: [Bool]
  private var ackCount = 0
  private var errors: [(index: Int, errno: Int32)] = []
  /// An error on the batch framing itself: the kernel refused the whole batch.
  private var batchErrno: Int32?

  init(batch: EncodedBatch) {
    self.batch = batch
    acked = [Bool](repeating: false, count: batch.messageCommands.count)
  }

  /// True once every command message is acknowledged, or the batch as a whole was refused.
  var isComplete: Bool { ackCount == acked.count || batchErrno != nil }

  /// Records one NLMSG_ERROR message (`errno` 0 is an ACK).
  mutating func record(seq: UInt32, errno: Int32) {
    guard let i = batch.index(ofSeq: seq) else {
      if errno != 0 { batchErrno = errno }
      return
    }
    if !acked[i] {
      acked[i] = true
      ackCount += 1
    }
    if errno != 0 { errors.append((i, errno)) }
  }

  /// Throws the batch error, else the error of the first failed command, else a missing ACK.
  func check() throws {
    if let e = batchErrno { throw NetlinkError.rejected(operation: "apply transaction", errno: e) }
    if let first = errors.min(by: { $0.index < $1.index }) {
      throw NetlinkError.rejected(operation: batch.operations[first.index], errno: first.errno)
    }
    if ackCount < acked.count, let missing = acked.firstIndex(of: false) {
      throw NetlinkError.missingAcknowledgement(
        "no acknowledgement for \(batch.operations[missing]) (\(acked.count - ackCount) of \(acked.count) missing)")
    }
  }
}

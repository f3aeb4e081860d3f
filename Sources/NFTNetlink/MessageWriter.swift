// Builds netlink messages with libnftnl into a scratch page and appends them to one
// contiguous batch buffer (nft's NFNL_MSG_BATCH_BEGIN ... END framing, sequence numbers).
import CNftnl

/// A growing buffer of netlink messages. libnftnl writes each message into a scratch page
/// (its builders do not bound-check), which is then copied to the end of `bytes`.
final class MessageWriter {
  /// Large enough for any single message of a transaction (element lists are split well below it).
  static let transactionScratchSize = 1 << 20
  /// Enough for a dump request (a few names).
  static let requestScratchSize = 1 << 12
  private let scratch: UnsafeMutableRawPointer
  private let scratchSize: Int
  private(set) var bytes: [UInt8] = []
  private(set) var messageCount = 0

  /// libnftnl writes every byte of a message (header, attributes, padding), so the scratch
  /// page needs no clearing.
  init(capacity: Int = 1 << 16, scratchSize: Int = MessageWriter.transactionScratchSize) {
    self.scratchSize = scratchSize
    scratch = UnsafeMutableRawPointer.allocate(byteCount: scratchSize, alignment: 16)
    bytes.reserveCapacity(capacity)
  }

  deinit { scratch.deallocate() }

  /// Appends one nf_tables message. The corresponding libnftnl call is `nftnl_nlmsg_build_hdr`;
  /// `payload` adds the attributes (an `nftnl_*_nlmsg_build_payload` call).
  func append(type: UInt16, family: UInt16, flags: UInt16, seq: UInt32, payload: (UnsafeMutablePointer<nlmsghdr>) -> Void) throws {
    let buf = scratch.assumingMemoryBound(to: CChar.self)
    guard let nlh = nftnl_nlmsg_build_hdr(buf, type, family, flags, seq) else {
      throw NetlinkError.outOfMemory(what: "netlink message")
    }
    payload(nlh)
    try copyOut(nlh)
  }

  /// NFNL_MSG_BATCH_BEGIN. The corresponding libnftnl call is `nftnl_batch_begin`.
  func appendBatchBegin(seq: UInt32) throws {
    guard let nlh = nftnl_batch_begin(scratch.assumingMemoryBound(to: CChar.self), seq) else { throw NetlinkError.outOfMemory(what: "batch begin") }
    try copyOut(nlh)
  }

  /// NFNL_MSG_BATCH_END. The corresponding libnftnl call is `nftnl_batch_end`.
  func appendBatchEnd(seq: UInt32) throws {
    guard let nlh = nftnl_batch_end(scratch.assumingMemoryBound(to: CChar.self), seq) else { throw NetlinkError.outOfMemory(what: "batch end") }
    try copyOut(nlh)
  }

  private func copyOut(_ nlh: UnsafeMutablePointer<nlmsghdr>) throws {
    let len = Int(kp_nlmsg_align(nlh.pointee.nlmsg_len))
    guard len <= scratchSize else { throw NetlinkError.unexpectedReply("message of \(len) bytes exceeds the scratch page") }
    bytes.append(contentsOf: UnsafeRawBufferPointer(start: UnsafeRawPointer(nlh), count: len))
    messageCount += 1
  }
}

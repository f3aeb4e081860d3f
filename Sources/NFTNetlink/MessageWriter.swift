// Builds netlink messages with libnftnl directly at the end of one contiguous batch buffer
// (nft's NFNL_MSG_BATCH_BEGIN ... END framing, sequence numbers).
import CNftnl

/// A growing buffer of netlink messages. libnftnl's builders do not bound-check, so before
/// each message the buffer keeps `headroom` free bytes past its end, where the message is built.
final class MessageWriter {
  /// Large enough for any single message of a transaction (element lists are split well below it).
  static let transactionScratchSize = 1 << 20
  /// Enough for a dump request (a few names).
  static let requestScratchSize = 1 << 12
  private var buffer: UnsafeMutableRawPointer
  private var capacity: Int
  private let headroom: Int
  /// Bytes of complete messages at the start of the buffer.
  private(set) var count = 0
  private(set) var messageCount = 0

  /// libnftnl writes every byte of a message (header, attributes, padding), so the buffer
  /// needs no clearing.
  init(capacity: Int = 1 << 16, scratchSize: Int = MessageWriter.transactionScratchSize) {
    headroom = scratchSize
    self.capacity = max(capacity, 0) + scratchSize
    buffer = UnsafeMutableRawPointer.allocate(byteCount: self.capacity, alignment: 16)
  }

  deinit { buffer.deallocate() }

  /// Lends the messages written so far for the duration of `body`.
  func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
    try body(UnsafeRawBufferPointer(start: buffer, count: count))
  }

  /// A copy of the messages written so far.
  var bytes: [UInt8] { withBytes { Array($0) } }

  /// Where the next message is built, with `headroom` bytes available.
  private func next() -> UnsafeMutablePointer<CChar> {
    if count + headroom > capacity {
      let grown = max(capacity * 2, count + headroom)
      let b = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 16)
      b.copyMemory(from: buffer, byteCount: count)
      buffer.deallocate()
      buffer = b
      capacity = grown
    }
    return (buffer + count).assumingMemoryBound(to: CChar.self)
  }

  /// Appends one nf_tables message. The corresponding libnftnl call is `nftnl_nlmsg_build_hdr`;
  /// `payload` adds the attributes (an `nftnl_*_nlmsg_build_payload` call).
  func append(type: UInt16, family: UInt16, flags: UInt16, seq: UInt32, payload: (UnsafeMutablePointer<nlmsghdr>) throws -> Void) throws {
    guard let nlh = nftnl_nlmsg_build_hdr(next(), type, family, flags, seq) else {
      throw NetlinkError.outOfMemory(what: "netlink message")
    }
    try payload(nlh)
    try commit(nlh)
  }

  /// NFNL_MSG_BATCH_BEGIN. The corresponding libnftnl call is `nftnl_batch_begin`. With
  /// `generation`, the message carries NFNL_BATCH_GENID: the kernel refuses the whole batch
  /// with ERESTART unless the ruleset generation is still that one when it commits.
  func appendBatchBegin(seq: UInt32, generation: UInt32? = nil) throws {
    guard let nlh = nftnl_batch_begin(next(), seq) else { throw NetlinkError.outOfMemory(what: "batch begin") }
    if let generation { mnl_attr_put_u32(nlh, UInt16(NFNL_BATCH_GENID.rawValue), generation.bigEndian) }
    try commit(nlh)
  }

  /// NFNL_MSG_BATCH_END. The corresponding libnftnl call is `nftnl_batch_end`.
  func appendBatchEnd(seq: UInt32) throws {
    guard let nlh = nftnl_batch_end(next(), seq) else { throw NetlinkError.outOfMemory(what: "batch end") }
    try commit(nlh)
  }

  private func commit(_ nlh: UnsafeMutablePointer<nlmsghdr>) throws {
    let len = Int(kp_nlmsg_align(nlh.pointee.nlmsg_len))
    guard len <= headroom else { throw NetlinkError.encodingOverflow("message of \(len) bytes exceeds the scratch page") }
    count += len
    messageCount += 1
  }
}

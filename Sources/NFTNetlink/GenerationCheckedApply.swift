// Commits that know their own result: a batch that carries the generation it was computed
// against (NFNL_BATCH_GENID) and reports the generation it produced, and the identity of the
// network namespace (its cookie, never reused while the machine runs) that generation belongs to.
import CNftnl
import Foundation
import NFTables

extension NetlinkClient {
  /// Applies `tx` only if the ruleset generation is still `generation` (the kernel checks it
  /// under its commit lock and refuses the batch with ERESTART otherwise: nobody can commit
  /// in between). Returns the generation the commit produced when it is known exactly: one
  /// past `generation` when `tx` certainly changed the kernel, `generation` itself when the
  /// kernel found nothing to do and nobody committed since; nil when that cannot be told
  /// (someone committed right after, or `tx` might have been a no-op and the generation moved).
  public func apply(_ tx: Transaction, knownSets: Ruleset, expectingGeneration generation: UInt32) throws -> UInt32? {
    guard !tx.isEmpty else { return try self.generation() == generation ? generation : nil }
    try apply(tx, knownSets: knownSets, generation: generation)
    let now = try self.generation()
    let next = Self.generation(after: generation)
    if now == next && Self.certainlyChangesKernel(tx) { return now }
    if now == generation && !Self.certainlyChangesKernel(tx) { return now }
    return nil
  }

  /// The generation the kernel moves to on a commit from `g` (nf_tables skips 0).
  public static func generation(after g: UInt32) -> UInt32 { g &+ 1 == 0 ? 1 : g &+ 1 }

  /// Whether committing `tx` certainly adds an entry to the kernel's commit list, and so moves
  /// the generation: a rule added, elements deleted or added (the diff adds only elements the
  /// kernel lacks: the batch is checked against the generation they were computed for), a set,
  /// chain, counter or table deleted. Adding an existing table, chain, set or counter, or flushing an empty
  /// chain or set, may change nothing and leave the generation where it was.
  static func certainlyChangesKernel(_ tx: Transaction) -> Bool {
    tx.commands.contains { c in
      switch c {
      case .addRule, .deleteSet, .deleteChain, .deleteTable, .deleteCounter: true
      case .addElements(_, _, let es), .deleteElements(_, _, let es): !es.isEmpty
      // Adding a counter that exists changes nothing (it keeps its values and comment).
      case .addTable, .addChain, .addSet, .flushChain, .flushSet, .addCounter: false
      }
    }
  }

  /// The cookie of the network namespace this client works in (SO_NETNS_COOKIE): unique among
  /// all namespaces since boot, unlike the namespace's inode number, which is reused.
  /// SO_NETNS_COOKIE (Linux 5.14), read from a datagram socket opened in the same namespace
  /// (entered again only for the socket's creation).
  public func namespaceCookie() throws -> UInt64 {
    let open: () throws -> Int32 = {
      try NetlinkSocket.retrying(
        "open socket for the namespace cookie", { Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) },
        failed: { $0 < 0 })
    }
    let fd = try namespace.map { try $0.run(open) } ?? open()
    defer { close(fd) }
    var cookie: UInt64 = 0
    var length = socklen_t(MemoryLayout<UInt64>.size)
    _ = try NetlinkSocket.retrying(
      "getsockopt SO_NETNS_COOKIE", { getsockopt(fd, SOL_SOCKET, 71 /* SO_NETNS_COOKIE */, &cookie, &length) }, failed: { $0 < 0 })
    return cookie
  }
}

extension NetlinkError {
  /// The kernel refused a batch because the ruleset generation was no longer the one it was
  /// computed against (NFNL_BATCH_GENID, ERESTART): read again and recompute.
  public var isStaleGeneration: Bool {
    if case .rejected("apply transaction", let e) = self { return e == 85 /* ERESTART */ }
    return false
  }
}

extension NetlinkClient {
  /// The inode number of the namespace file this client works in (reused after a namespace
  /// is gone: a name for a file, never an identity on its own).
  public func namespaceInode() throws -> UInt64 {
    let path = namespace?.path ?? "/proc/self/ns/net"
    var st = stat()
    _ = try NetlinkSocket.retrying("stat \(path)", { stat(path, &st) }, failed: { $0 != 0 }, error: { .namespace(path: path, errno: $0) })
    return UInt64(st.st_ino)
  }
}

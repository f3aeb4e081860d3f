// The scratch namespaces of KernelTestSupport, as the Dataplane tests use them.
import KernelTestSupport
import NFTNetlink

typealias ScratchNetns = ScratchNamespace

extension ScratchNamespace {
  var namespace: NetworkNamespace { NetworkNamespace(name) }

  @discardableResult
  func nft(_ args: String...) throws -> String { try nft(args) }
}

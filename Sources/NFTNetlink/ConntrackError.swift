// Errors of the conntrack client, each naming the operation, the flow and the errno:
// `conntrack: delete udp src=… dst=… …: Operation not permitted (EPERM)`.
import Foundation

public enum ConntrackError: Error, Sendable, Hashable, CustomStringConvertible {
  /// The kernel refused the table dump.
  case dump(family: String, errno: Int32)
  /// The kernel refused to delete a flow (ENOENT, a flow already gone, is not an error);
  /// `more` other deletes of the same cleanup failed as well.
  case delete(flow: String, errno: Int32, more: Int)
  /// A reply that is not a well-formed ctnetlink message.
  case malformedReply(String)

  public var description: String {
    switch self {
    case .dump(let family, let e): "conntrack: dump the \(family) table: \(NetlinkError.describe(errno: e))"
    case .delete(let flow, let e, let more):
      "conntrack: delete \(flow): \(NetlinkError.describe(errno: e))" + (more > 0 ? " (and \(more) more deletes failed)" : "")
    case .malformedReply(let what): "conntrack: malformed reply: \(what)"
    }
  }
}

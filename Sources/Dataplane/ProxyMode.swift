// The upper layer of the dataplane: a mode consumes the reconciler's changes and makes the node
// proxy accordingly (nftables: incremental compile + a transaction backend; userspace later).
import ServiceProxy

/// How one sync of a mode went.
public struct ModeSyncReport: Sendable, Hashable {
  /// The whole desired state was compared with the dataplane (first sync, after a failure,
  /// drift repair, node change), rather than only the changed service ports.
  public var full: Bool
  /// Commands sent (0 when nothing differed).
  public var commands: Int
  /// Someone else had changed kproxy's tables, and this sync repaired them.
  public var repairedDrift: Bool
  /// Why the tables were replaced wholesale instead of diffed, if they were.
  public var replaceReason: String?

  public init(full: Bool, commands: Int, repairedDrift: Bool = false, replaceReason: String? = nil) {
    self.full = full
    self.commands = commands
    self.repairedDrift = repairedDrift
    self.replaceReason = replaceReason
  }
}

/// A way of proxying: takes every batch of changes the loop drains. A mode keeps the changes
/// it was given even when its sync fails (the loop does not hand them again), and makes its
/// next sync bring the dataplane to the whole current state.
public protocol ProxyMode: AnyObject, Sendable {
  /// Applies `changes` (possibly empty: a periodic sync, `cause` says so).
  func sync(_ changes: ProxyChanges, cause: SyncCause, context: SyncContext) async throws -> ModeSyncReport
}

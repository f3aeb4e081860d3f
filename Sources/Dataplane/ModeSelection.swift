// `--mode auto|nftables|userspace`: whether nf_tables can be programmed here (a probe batch that
// adds and deletes a scratch table atomically), and the mode chosen, with the reason in words.
import Foundation
import NFTNetlink
import NFTables

/// `--mode` as given.
public enum ProxyModeFlag: String, Sendable, Hashable, CaseIterable {
  /// nftables when the probe succeeds, else userspace.
  case auto
  /// nftables; never falls back.
  case nftables
  /// userspace, without probing.
  case userspace
}

/// The mode kproxy runs and why.
public struct ModeSelection: Sendable, Hashable {
  public enum Mode: String, Sendable, Hashable { case nftables, userspace }

  public var mode: Mode
  /// The metric label: `forced` (the flag said so), `probe-ok`, `permission-denied`,
  /// `nftables-unavailable`, `netlink-error`.
  public var reason: String
  /// The one log line: the probe's error in words when it failed.
  public var detail: String

  public init(mode: Mode, reason: String, detail: String) {
    self.mode = mode
    self.reason = reason
    self.detail = detail
  }

  /// Decides the mode for `flag`; only `auto` probes (`probe` returns nil when nf_tables works).
  public static func select(_ flag: ProxyModeFlag, probe: () -> DataplaneError?) -> ModeSelection {
    switch flag {
    case .nftables: return ModeSelection(mode: .nftables, reason: "forced", detail: "mode nftables (--mode nftables)")
    case .userspace: return ModeSelection(mode: .userspace, reason: "forced", detail: "mode userspace (--mode userspace)")
    case .auto:
      guard let failure = probe() else {
        return ModeSelection(mode: .nftables, reason: "probe-ok", detail: "mode nftables (--mode auto: nf_tables can be programmed)")
      }
      let reason =
        switch failure {
        case .permissionDenied: "permission-denied"
        case .nfTablesUnavailable: "nftables-unavailable"
        default: "netlink-error"
        }
      return ModeSelection(
        mode: .userspace, reason: reason, detail: "mode userspace (--mode auto: nf_tables cannot be programmed here: \(failure))")
    }
  }
}

/// Tries one nf_tables transaction that leaves nothing behind.
public enum NFTablesProbe {
  /// Opens a netfilter socket (inside `namespace` when given) and commits one batch that adds
  /// and deletes the table `inet kproxy-probe-PID`: the kernel checks privilege and nf_tables
  /// support for the whole batch, and the ruleset is the same afterwards (only its generation
  /// moves by one). Returns nil when that worked, else the error.
  public static func run(namespace: NetworkNamespace? = nil) -> DataplaneError? {
    let table = TableRef(family: .inet, name: "kproxy-probe-\(getpid())")
    var tx = Transaction()
    tx.add(.addTable(table, comment: nil))
    tx.add(.deleteTable(table))
    do {
      try DataplaneError.mapping {
        let client = try NetlinkClient(namespace: namespace)
        try client.apply(tx)
      }
      return nil
    } catch let e as DataplaneError {
      return e
    } catch {
      return .injected("\(error)")
    }
  }
}

// `--bind-service-ips`: kproxy's own interface (kproxy0) holding every ClusterIP, externalIP and
// LoadBalancer IP as a host address, so that userspace listeners can bind them; removed on exit.
import NFTNetlink
import NetAddress

/// Makes a set of service IPs local to the node.
public protocol ServiceIPBinding: Sendable {
  /// Makes the bound addresses exactly `ips` (adding and removing the difference).
  func bind(_ ips: [IPAddress]) async throws
  /// Removes the addresses and the interface (on exit).
  func remove() async
}

/// `ip` failed while binding service IPs.
public struct ServiceIPBindingError: Error, Sendable, Equatable, CustomStringConvertible {
  public var command: String
  public var message: String
  public var description: String { "\(command): \(message)" }
}

/// Service IPs as /32 and /128 addresses on an interface kproxy owns, kept down (as IPVS mode's
/// `kube-ipvs0`). A `dummy` link where the kernel has the module, else a `bridge` without
/// ports: an address on a down interface still gets its `local` route, so it is local for
/// bind(2) and for routing, while the interface itself never carries a packet. Runs `ip`
/// (inside `namespace` through nsenter) with posix_spawn.
public actor ServiceIPInterface: ServiceIPBinding {
  public let name: String
  public let namespace: NetworkNamespace?
  /// The link types tried, in order.
  public static let linkTypes = ["dummy", "bridge"]
  /// What is on the interface; nil until the first bind made it (and flushed stale ones).
  private var bound: Set<IPAddress>?

  public init(name: String = "kproxy0", namespace: NetworkNamespace? = nil) {
    self.name = name
    self.namespace = namespace
  }

  public func bind(_ ips: [IPAddress]) async throws {
    let wanted = Set(ips)
    var lines: [String] = []
    if bound == nil {
      try createLink()
      // Addresses left by an earlier run that ended without cleanup.
      try ip(["address", "flush", "dev", name])
      bound = []
    }
    for a in bound!.subtracting(wanted).sorted() { lines.append("address del \(Self.prefix(a)) dev \(name)") }
    for a in wanted.subtracting(bound!).sorted() {
      lines.append("address add \(Self.prefix(a)) dev \(name)" + (a.family == .v6 ? " nodad" : ""))
    }
    guard !lines.isEmpty else { return }
    // Out of step until `ip` confirms: the next bind starts again from a flush.
    bound = nil
    try ip(["-batch", "-"], input: lines.joined(separator: "\n") + "\n")
    bound = wanted
  }

  public func remove() async {
    guard bound != nil else { return }
    bound = nil
    try? ip(["link", "del", name])
  }

  private func createLink() throws {
    var failures: [String] = []
    for type in Self.linkTypes {
      do {
        try ip(["link", "add", name, "type", type])
        return
      } catch let e as ServiceIPBindingError {
        // Already there from an earlier run: reuse it.
        if e.message.contains("File exists") { return }
        failures.append("\(type): \(e.message)")
      }
    }
    throw ServiceIPBindingError(command: "ip link add \(name)", message: failures.joined(separator: "; "))
  }

  private func ip(_ args: [String], input: String = "") throws {
    var argv = ["ip"] + args
    if let namespace { argv = ["nsenter", "--net=\(namespace.path)", "--"] + argv }
    let outcome: ChildOutcome
    do {
      outcome = try ChildProcess.run(argv, input: input)
    } catch {
      throw ServiceIPBindingError(command: (["ip"] + args).joined(separator: " "), message: error.description)
    }
    guard outcome.status == 0 else {
      let message = outcome.standardError.split(separator: "\n").joined(separator: "; ")
      throw ServiceIPBindingError(command: (["ip"] + args).joined(separator: " "), message: message)
    }
  }

  static func prefix(_ a: IPAddress) -> String { a.family == .v4 ? "\(a)/32" : "\(a)/128" }
}

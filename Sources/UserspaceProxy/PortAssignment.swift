// The ports from `--port-range` given to service ports that cannot listen on their own port
// number, keyed by service port so that a restart (with the state file) gives the same ones.
import KubeAPI
import ServiceProxy

/// Service port → the port it was given from the range (only reassigned service ports).
public struct PortAssignments: Sendable, Hashable {
  /// Keyed by `PortAssignments.key(name)`: `namespace/name:port/PROTO`.
  public var ports: [String: Int]

  public init(ports: [String: Int] = [:]) { self.ports = ports }

  /// `default/web:http/TCP`: the port name and the protocol included, so that a TCP and a UDP
  /// port of one service keep separate assignments.
  public static func key(_ name: ServicePortName) -> String { "\(name)/\(name.protocol_.rawValue)" }

  public subscript(name: ServicePortName) -> Int? {
    get { ports[Self.key(name)] }
    set { ports[Self.key(name)] = newValue }
  }
}

/// Picks a port for each service port in `--listen-address` mode.
///
/// In sorted service-port order, a service port keeps its own port number when it is bindable
/// and not yet taken (per transport: TCP 53 and UDP 53 do not collide). The others get, in the
/// same order, their previous assignment when it is still in the range and free, else the
/// lowest free port of the range. Assignments of service ports that no longer need one are
/// dropped, so the state file holds exactly the current reassignments.
struct PortAssigner {
  let range: ClosedRange<Int>?
  let lowestBindablePort: Int
  let previous: PortAssignments

  struct Outcome {
    var ports: [ServicePortName: Int] = [:]
    /// Why a service port is not on its own port number (`port 80 is taken by default/a/TCP`).
    var reasons: [ServicePortName: String] = [:]
    var assignments = PortAssignments()
    var warnings: [String] = []
  }

  /// `wanted`: each service port with its own port number, sorted by name.
  func assign(_ wanted: [(ServicePortName, Int)]) -> Outcome {
    var out = Outcome()
    var owner: [L4Protocol: [Int: ServicePortName]] = [:]
    var pending: [(ServicePortName, Int)] = []
    for (name, port) in wanted {
      if port < lowestBindablePort {
        out.reasons[name] = "port \(port) is below \(lowestBindablePort), the lowest this process may bind"
        pending.append((name, port))
      } else if let first = owner[name.protocol_]?[port] {
        out.reasons[name] = "port \(port) is taken by \(PortAssignments.key(first))"
        pending.append((name, port))
      } else {
        owner[name.protocol_, default: [:]][port] = name
        out.ports[name] = port
      }
    }
    // Only the part of --port-range this process may bind is usable (`--port-range 80-2000`
    // without privilege hands out 1024-2000).
    let range = range.flatMap { r in
      max(r.lowerBound, lowestBindablePort) <= r.upperBound ? max(r.lowerBound, lowestBindablePort)...r.upperBound : nil
    }
    guard let range else {
      for (name, _) in pending {
        out.warnings.append(
          self.range == nil
            ? "\(PortAssignments.key(name)): \(out.reasons[name]!), and no --port-range is given: not proxied"
            : "\(PortAssignments.key(name)): \(out.reasons[name]!), and --port-range \(self.range!.lowerBound)-\(self.range!.upperBound) is below \(lowestBindablePort) too: not proxied"
        )
        out.reasons[name] = nil
      }
      return out
    }
    var unplaced: [ServicePortName] = []
    for (name, _) in pending {
      if let port = previous[name], range.contains(port), owner[name.protocol_]?[port] == nil {
        owner[name.protocol_, default: [:]][port] = name
        out.ports[name] = port
        out.assignments[name] = port
      } else {
        unplaced.append(name)
      }
    }
    var next: [L4Protocol: Int] = [:]
    for name in unplaced {
      var port = next[name.protocol_] ?? range.lowerBound
      while port <= range.upperBound, owner[name.protocol_]?[port] != nil { port += 1 }
      next[name.protocol_] = port + 1
      guard port <= range.upperBound else {
        out.warnings.append(
          "\(PortAssignments.key(name)): \(out.reasons[name]!), and --port-range \(range.lowerBound)-\(range.upperBound) is full: not proxied"
        )
        out.reasons[name] = nil
        continue
      }
      owner[name.protocol_, default: [:]][port] = name
      out.ports[name] = port
      out.assignments[name] = port
    }
    return out
  }
}

// Destinations claimed by more than one service port (one IP:port/protocol as clusterIP,
// externalIP or LB IP, or one nodePort/protocol): the smallest claimant keeps it, the others lose it.
import KubeAPI
import NetAddress
import ServiceProxy

/// Resolves conflicting claims before compiling, so that the full and the incremental compiler
/// program the same winner, and says what each loser lost.
///
/// The rule: a clusterIP:port/protocol beats an externalIP or LB IP on the same IP:port; among
/// claims of one kind, the claimant with the smallest name (namespace, name, port name,
/// protocol) wins. A service port whose clusterIP:port/protocol is taken is not proxied at
/// all; one whose externalIP, LB IP or nodePort is taken loses only that destination. The
/// API server refuses two services with one clusterIP or one nodePort, so such input is
/// hand-written; externalIPs and LB IPs are not checked by it.
enum DestinationClaims {
  private struct AddressKey: Hashable {
    var ip: IPAddress
    var proto: L4Protocol
    var port: Int
  }

  private struct NodePortKey: Hashable {
    var family: IPFamily
    var proto: L4Protocol
    var port: Int
  }

  private struct Claim {
    var owner: ServicePortName
    var what: String
  }

  /// `ports` (in their order) without the lost destinations, and one warning per lost claim,
  /// sorted.
  static func resolve(_ ports: [ServicePortInfo]) -> (ports: [ServicePortInfo], warnings: [String]) {
    var addresses: [AddressKey: Claim] = [:]
    var nodePorts: [NodePortKey: Claim] = [:]
    var warnings: [String] = []
    var resolved: [ServicePortInfo?] = ports
    let order = ports.indices.sorted { (ports[$0].family, ports[$0].name) < (ports[$1].family, ports[$1].name) }
    func key(_ ip: IPAddress, _ svc: ServicePortInfo) -> AddressKey { AddressKey(ip: ip, proto: svc.name.protocol_, port: svc.port) }
    // ClusterIPs first: they are allocated by the API server, so an externalIP or LB IP on
    // another service's clusterIP:port cannot take it over (CVE-2020-8554).
    for i in order {
      let svc = ports[i]
      let k = key(svc.clusterIP, svc)
      if let winner = addresses[k] {
        warnings.append(message("clusterIP", address(svc.clusterIP, svc), svc.name, winner, refused: true, lost: "is not proxied"))
        resolved[i] = nil
      } else {
        addresses[k] = Claim(owner: svc.name, what: "clusterIP")
      }
    }
    for i in order {
      guard var svc = resolved[i] else { continue }
      let me = svc.name
      func keep(_ ip: IPAddress, _ what: String) -> Bool {
        let k = key(ip, svc)
        if let winner = addresses[k] {
          // Its own externalIP and LB IP may coincide (one external chain); its own clusterIP
          // may not (ClusterIP traffic would take the external path).
          if winner.owner == me && winner.what != "clusterIP" { return true }
          if winner.owner == me {
            warnings.append("\(what) \(address(ip, svc)) of \(me) is its own clusterIP: ignored")
            return false
          }
          warnings.append(message(what, address(ip, svc), me, winner, refused: false, lost: "does not get it"))
          return false
        }
        addresses[k] = Claim(owner: me, what: what)
        return true
      }
      let externalIPs = svc.externalIPs.filter { keep($0, "externalIP") }
      let loadBalancerIPs = svc.loadBalancerIPs.filter { keep($0, "loadBalancer IP") }
      svc.externalIPs = externalIPs
      svc.loadBalancerIPs = loadBalancerIPs
      if svc.nodePort != 0 {
        let k = NodePortKey(family: svc.family, proto: me.protocol_, port: svc.nodePort)
        if let winner = nodePorts[k] {
          warnings.append(
            message(
              "nodePort", "\(svc.nodePort)/\(me.protocol_.rawValue) (\(svc.family.rawValue))", me, winner, refused: true,
              lost: "gets no NodePort"))
          svc.nodePort = 0
        } else {
          nodePorts[k] = Claim(owner: me, what: "nodePort")
        }
      }
      resolved[i] = svc
    }
    return (resolved.compactMap { $0 }, warnings.sorted())
  }

  /// `10.96.0.10:80/TCP`, `[fd00::10]:80/TCP`.
  private static func address(_ ip: IPAddress, _ svc: ServicePortInfo) -> String {
    let host = ip.family == .v6 ? "[\(ip)]" : "\(ip)"
    return "\(host):\(svc.port)/\(svc.name.protocol_.rawValue)"
  }

  private static func message(
    _ what: String, _ destination: String, _ loser: ServicePortName, _ winner: Claim, refused: Bool, lost: String
  ) -> String {
    "\(what) \(destination) of \(loser) is already the \(winner.what) of \(winner.owner)"
      + (refused ? " (the API server refuses this)" : "")
      + ": \(winner.owner) wins (\(winner.what == what ? "the smaller name" : "a clusterIP comes first")), \(loser) \(lost)"
  }
}

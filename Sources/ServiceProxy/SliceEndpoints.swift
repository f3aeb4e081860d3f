// Endpoints of a service port from its EndpointSlices: merged across slices of the port's
// family, matched by port name and protocol, first address of each endpoint, deduplicated.
import KubeAPI
import NetAddress

enum SliceEndpoints {
  /// Endpoints for `port` of a service from `slices` (already filtered to that service),
  /// for `family`. Kubernetes' conditions defaulting: ready absent = true, serving absent =
  /// ready, terminating absent = false.
  static func endpoints(for port: ServicePortName, family: IPFamily, slices: [EndpointSlice], hostname: String) -> [EndpointInfo] {
    let addressType: AddressType = family == .v4 ? .ipv4 : .ipv6
    var seen = Set<EndpointKey>()
    var out: [EndpointInfo] = []
    // Slices sorted by name so that a duplicated endpoint resolves the same way every time.
    for slice in slices.sorted(by: { $0.meta.name < $1.meta.name }) where slice.addressType == addressType {
      guard let sp = slice.ports.first(where: { $0.name == port.port && $0.protocol_ == port.protocol_ }),
        let portNumber = sp.port
      else { continue }
      for ep in slice.endpoints {
        guard let ip = ep.addresses.first, ip.family == family else { continue }
        guard seen.insert(EndpointKey(ip: ip, port: portNumber)).inserted else { continue }
        let ready = ep.conditions.ready ?? true
        out.append(
          EndpointInfo(
            ip: ip, port: portNumber, isLocal: ep.nodeName == hostname,
            ready: ready, serving: ep.conditions.serving ?? ready,
            terminating: ep.conditions.terminating ?? false,
            nodeName: ep.nodeName, zone: ep.zone))
      }
    }
    return out.sorted()
  }
}

struct EndpointKey: Hashable {
  var ip: IPAddress
  var port: Int
}

// Endpoints of a service port from its EndpointSlices: merged across slices of the port's
// family, matched by port name and protocol, first address of each endpoint, deduplicated,
// with its topology hints matched against this node.
import KubeAPI
import NetAddress

enum SliceEndpoints {
  /// Endpoints for `port` of a service from `slices` (already filtered to that service),
  /// for `family`. Kubernetes' conditions defaulting: ready absent = true, serving absent =
  /// ready, terminating absent = false. Hints are matched against this node's name and `zone`.
  static func endpoints(
    for port: ServicePortName, family: IPFamily, slices: [EndpointSlice], hostname: String, zone: String? = nil
  ) -> [EndpointInfo] {
    let addressType: AddressType = family == .v4 ? .ipv4 : .ipv6
    var out: [EndpointInfo] = []
    let ordered = slices.count == 1 ? slices : slices.sorted(by: { $0.meta.name < $1.meta.name })
    // Slices sorted by name so that a duplicated endpoint resolves the same way every time.
    for slice in ordered where slice.addressType == addressType {
      guard let sp = slice.ports.first(where: { $0.name == port.port && $0.protocol_ == port.protocol_ }),
        let portNumber = sp.port
      else { continue }
      out.reserveCapacity(out.count + slice.endpoints.count)
      for ep in slice.endpoints {
        guard let ip = ep.addresses.first, ip.family == family else { continue }
        let ready = ep.conditions.ready ?? true
        var info = EndpointInfo(
          ip: ip, port: portNumber, isLocal: ep.nodeName == hostname,
          ready: ready, serving: ep.conditions.serving ?? ready,
          terminating: ep.conditions.terminating ?? false,
          nodeName: ep.nodeName, zone: ep.zone)
        info.hints = TopologyHintMatch(ep.hints, nodeName: hostname, zone: zone)
        out.append(info)
      }
    }
    return uniqueSorted(out)
  }

  /// Sorted by address and port; of duplicates, the first in input order (slice name order)
  /// is kept.
  static func uniqueSorted(_ endpoints: [EndpointInfo]) -> [EndpointInfo] {
    let order = endpoints.indices.sorted { a, b in
      let x = endpoints[a]
      let y = endpoints[b]
      if x.ip != y.ip { return x.ip < y.ip }
      if x.port != y.port { return x.port < y.port }
      return a < b
    }
    var out: [EndpointInfo] = []
    out.reserveCapacity(endpoints.count)
    for i in order {
      let e = endpoints[i]
      if let last = out.last, last.ip == e.ip, last.port == e.port { continue }
      out.append(e)
    }
    return out
  }
}

// The topology hints the EndpointSlice controller would publish for a Service's
// trafficDistribution, given to the endpoints kproxy derives from pods (services without slices).
import KubeAPI

enum PodEndpointHints {
  /// The annotations that select Topology Aware Routing's proportional hints instead
  /// (`Auto`); the deprecated one wins when both are set, as in the controller.
  static let topologyModeAnnotations = ["service.kubernetes.io/topology-aware-hints", "service.kubernetes.io/topology-mode"]

  /// Whether the controller would compute proportional hints (from node capacities kproxy does
  /// not know) rather than follow `trafficDistribution`: kproxy then publishes no hints.
  static func topologyModeAuto(_ annotations: [String: String]) -> Bool {
    guard let value = topologyModeAnnotations.lazy.compactMap({ annotations[$0] }).first else { return false }
    return value == "Auto" || value == "auto"
  }

  /// Sets each endpoint's zone (its node's `topology.kubernetes.io/zone` label, from `nodeZones`)
  /// and, for a service with `trafficDistribution`, the hints of ready endpoints as the
  /// controller's PreferClose heuristic does: its own zone, and with PreferSameNode its own node;
  /// then matches them against this node.
  static func apply(to endpoints: inout [EndpointInfo], of service: Service, nodeZones: [String: String], node: NodeConfig) {
    let distribution = topologyModeAuto(service.meta.annotations) ? nil : service.trafficDistribution
    for i in endpoints.indices {
      let zone = endpoints[i].nodeName.flatMap { nodeZones[$0] }
      endpoints[i].zone = zone
      guard let distribution, endpoints[i].ready else { continue }
      let forNodes = distribution == .preferSameNode ? endpoints[i].nodeName.map { [$0] } ?? [] : []
      let hints = EndpointHints(forZones: zone.map { [$0] } ?? [], forNodes: forNodes)
      endpoints[i].hints = TopologyHintMatch(hints, nodeName: node.hostname, zone: node.zone)
    }
  }
}

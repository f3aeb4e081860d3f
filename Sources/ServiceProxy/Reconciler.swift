// The service-endpoint reconciler: turns the object set and node config into the sorted list
// of service ports (per family) with their endpoints, the input of the rule compiler.
import KubeAPI
import NetAddress

/// The reconciler's output: every proxied service port of every family, sorted.
public struct ProxyState: Sendable, Hashable {
  public var servicePorts: [ServicePortInfo]
  /// What the reconciler skipped and why (e.g. a Service without a cluster IP), sorted by
  /// object; the compiler passes them on.
  public var warnings: [String]
  public init(servicePorts: [ServicePortInfo], warnings: [String] = []) {
    self.servicePorts = servicePorts
    self.warnings = warnings
  }

  public func servicePorts(_ family: IPFamily) -> [ServicePortInfo] { servicePorts.filter { $0.family == family } }
}

public enum Reconciler {
  /// Computes the service ports and endpoints kube-proxy would program for `objects` on the
  /// node described by `node`. Headless and ExternalName services produce nothing; each
  /// cluster IP family of a dual-stack service is handled on its own.
  public static func reconcile(_ objects: ObjectSet, node: NodeConfig) -> ProxyState {
    var slicesByService: [NamespacedName: [EndpointSlice]] = [:]
    for slice in objects.endpointSlices {
      guard let svc = slice.serviceName else { continue }
      slicesByService[NamespacedName(namespace: slice.meta.namespace, name: svc), default: []].append(slice)
    }
    var podsByNamespace: [String: [Pod]] = [:]
    for pod in objects.pods { podsByNamespace[pod.meta.namespace, default: []].append(pod) }
    var nodeZones: [String: String] = [:]
    for n in objects.nodes { if let zone = n.zone { nodeZones[n.meta.name] = zone } }

    // Output order (family, namespace/name, port name, protocol) without sorting the large
    // ServicePortInfo values: visit services in key order and sort each one's ports.
    var byFamily: [IPFamily: [ServicePortInfo]] = [:]
    var warnings: [String] = []
    let serviceOrder = objects.services.indices.sorted { objects.services[$0].meta.key < objects.services[$1].meta.key }
    for svc in serviceOrder.lazy.map({ objects.services[$0] }) {
      let key = svc.meta.key
      if let warning = missingClusterIPWarning(svc) { warnings.append(warning) }
      for info in servicePorts(
        of: svc, slices: slicesByService[key] ?? [], namespacePods: podsByNamespace[svc.meta.namespace] ?? [], node: node,
        nodeZones: nodeZones)
      {
        byFamily[info.family, default: []].append(info)
      }
    }
    return ProxyState(servicePorts: IPFamily.allCases.flatMap { byFamily[$0] ?? [] }, warnings: warnings)
  }

  /// A Service that should have a cluster IP but has none (a hand-written manifest: the API
  /// server allocates one on create). kube-proxy skips such a service, and so does kproxy.
  static func missingClusterIPWarning(_ svc: Service) -> String? {
    guard svc.type != .externalName, !svc.isHeadless, svc.clusterIPs.isEmpty else { return nil }
    return
      "service \(svc.meta.key) has no spec.clusterIP (the API server allocates one when it creates the service): skipped, as kube-proxy does; give it a cluster IP, or clusterIP: None for a headless service"
  }

  /// The service ports of one service, in order (family, port name, protocol), from its own
  /// EndpointSlices, or from the pods of its namespace through its selector when it has none.
  /// This is the unit of work when a change tracker reports one changed service. `nodeZones`
  /// (node name → zone label) gives pod-derived endpoints their zone and trafficDistribution hints.
  public static func servicePorts(
    of svc: Service, slices: [EndpointSlice], namespacePods: [Pod], node: NodeConfig, nodeZones: [String: String] = [:]
  ) -> [ServicePortInfo] {
    guard svc.type != .externalName, !svc.isHeadless, !svc.clusterIPs.isEmpty else { return [] }
    let key = svc.meta.key
    var selectedPods: [Pod] = []
    if slices.isEmpty, let selector = svc.selector, !selector.isEmpty {
      selectedPods = namespacePods.filter { PodEndpoints.matches(selector, $0.meta.labels) }
    }
    let ports = svc.ports.sorted { ($0.name, $0.protocol_) < ($1.name, $1.protocol_) }
    var out: [ServicePortInfo] = []
    for clusterIP in svc.clusterIPs.sorted(by: { $0.family < $1.family }) {
      let family = clusterIP.family
      for p in ports {
        let name = ServicePortName(service: key, port: p.name, protocol_: p.protocol_)
        var endpoints =
          slices.isEmpty
          ? PodEndpoints.endpoints(for: p, family: family, pods: selectedPods, hostname: node.hostname)
          : SliceEndpoints.endpoints(for: name, family: family, slices: slices, hostname: node.hostname, zone: node.zone)
        if slices.isEmpty { PodEndpointHints.apply(to: &endpoints, of: svc, nodeZones: nodeZones, node: node) }
        let external = svc.type == .nodePort || svc.type == .loadBalancer
        out.append(
          ServicePortInfo(
            name: name, family: family, clusterIP: clusterIP, port: p.port,
            nodePort: external ? p.nodePort : 0,
            externalIPs: unique(svc.externalIPs.filter { $0.family == family }),
            loadBalancerIPs: svc.type == .loadBalancer ? unique(svc.loadBalancerVIPs.filter { $0.family == family }) : [],
            loadBalancerSourceRanges: svc.type == .loadBalancer
              ? unique(svc.loadBalancerSourceRanges.filter { $0.family == family }) : [],
            affinityTimeoutSeconds: svc.sessionAffinity == .clientIP ? svc.affinityTimeoutSeconds : nil,
            externalTrafficPolicy: svc.externalTrafficPolicy,
            internalTrafficPolicy: svc.internalTrafficPolicy,
            endpoints: endpoints))
      }
    }
    return out
  }

  static func unique<T: Hashable & Comparable>(_ xs: [T]) -> [T] { Array(Set(xs)).sorted() }
}

// The service-endpoint reconciler: turns the object set and node config into the sorted list
// of service ports (per family) with their endpoints, the input of the rule compiler.
import KubeAPI
import NetAddress

/// The reconciler's output: every proxied service port of every family, sorted.
public struct ProxyState: Sendable, Hashable {
  public var servicePorts: [ServicePortInfo]
  public init(servicePorts: [ServicePortInfo]) { self.servicePorts = servicePorts }

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

    // Output order (family, namespace/name, port name, protocol) without sorting the large
    // ServicePortInfo values: visit services in key order and sort each one's ports.
    var byFamily: [IPFamily: [ServicePortInfo]] = [:]
    let serviceOrder = objects.services.indices.sorted { objects.services[$0].meta.key < objects.services[$1].meta.key }
    for svc in serviceOrder.lazy.map({ objects.services[$0] }) {
      let key = svc.meta.key
      for info in servicePorts(
        of: svc, slices: slicesByService[key] ?? [], namespacePods: podsByNamespace[svc.meta.namespace] ?? [], node: node)
      {
        byFamily[info.family, default: []].append(info)
      }
    }
    return ProxyState(servicePorts: IPFamily.allCases.flatMap { byFamily[$0] ?? [] })
  }

  /// The service ports of one service, in order (family, port name, protocol), from its own
  /// EndpointSlices, or from the pods of its namespace through its selector when it has none.
  /// This is the unit of work when a change tracker reports one changed service.
  public static func servicePorts(of svc: Service, slices: [EndpointSlice], namespacePods: [Pod], node: NodeConfig) -> [ServicePortInfo] {
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
        let endpoints =
          slices.isEmpty
          ? PodEndpoints.endpoints(for: p, family: family, pods: selectedPods, hostname: node.hostname)
          : SliceEndpoints.endpoints(for: name, family: family, slices: slices, hostname: node.hostname)
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

// Endpoints of a service port derived from Pods when a selector service has no
// EndpointSlice: what the EndpointSlice controller would have published.
import KubeAPI
import NetAddress

enum PodEndpoints {
  /// True if every selector pair is among the pod's labels.
  static func matches(_ selector: [String: String], _ labels: [String: String]) -> Bool {
    selector.allSatisfy { labels[$0.key] == $0.value }
  }

  /// The target port number for `servicePort` on `pod`: the number itself, or the named port
  /// with the same protocol of a container, else of a restartable init container (sidecar), as the
  /// EndpointSlice controller's FindPort resolves it; nil when the pod has no such port.
  static func targetPort(_ servicePort: KubeAPI.ServicePort, on pod: Pod) -> Int? {
    switch servicePort.targetPort {
    case nil: return servicePort.port
    case .int(let n): return n
    case .string(let name):
      func matches(_ port: ContainerPort) -> Bool { port.name == name && port.protocol_ == servicePort.protocol_ }
      if let port = pod.containerPorts.first(where: matches) { return port.containerPort }
      let sidecarPorts = pod.initContainers.lazy.filter(\.isRestartable).flatMap(\.ports)
      return sidecarPorts.first(where: matches)?.containerPort
    }
  }

  /// Endpoints for one port of `service` from `pods` (same namespace, selector matched,
  /// not terminal, with an IP of `family`).
  static func endpoints(for servicePort: KubeAPI.ServicePort, family: IPFamily, pods: [Pod], hostname: String) -> [EndpointInfo] {
    var out: [EndpointInfo] = []
    for pod in pods {
      guard pod.phase != .succeeded, pod.phase != .failed,
        let ip = pod.podIPs.first(where: { $0.family == family }),
        let port = targetPort(servicePort, on: pod)
      else { continue }
      let terminating = pod.meta.deletionTimestamp != nil
      out.append(
        EndpointInfo(
          ip: ip, port: port, isLocal: pod.nodeName == hostname,
          ready: pod.ready && !terminating, serving: pod.ready, terminating: terminating,
          nodeName: pod.nodeName))
    }
    return SliceEndpoints.uniqueSorted(out)
  }
}

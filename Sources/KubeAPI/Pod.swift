// The v1 Pod object: what kproxy needs to derive endpoints from a Service selector.
import NetAddress

public enum PodPhase: String, Sendable, Hashable {
  case pending = "Pending"
  case running = "Running"
  case succeeded = "Succeeded"
  case failed = "Failed"
  case unknown = "Unknown"
}

/// `spec.containers[].ports[]`.
public struct ContainerPort: Sendable, Hashable {
  public var name: String
  public var containerPort: Int
  public var protocol_: L4Protocol
  public init(name: String = "", containerPort: Int, protocol_: L4Protocol = .tcp) {
    self.name = name
    self.containerPort = containerPort
    self.protocol_ = protocol_
  }
}

public struct Pod: Sendable, Hashable {
  public var meta: ObjectMeta
  public var nodeName: String?
  public var hostNetwork: Bool
  /// `status.podIPs[].ip`, or `status.podIP` alone.
  public var podIPs: [IPAddress]
  public var phase: PodPhase
  /// The `Ready` condition of `status.conditions` is "True".
  public var ready: Bool
  /// All containers' ports, in order.
  public var containerPorts: [ContainerPort]

  public init(
    meta: ObjectMeta, nodeName: String? = nil, hostNetwork: Bool = false, podIPs: [IPAddress] = [], phase: PodPhase = .running,
    ready: Bool = true, containerPorts: [ContainerPort] = []
  ) {
    self.meta = meta
    self.nodeName = nodeName
    self.hostNetwork = hostNetwork
    self.podIPs = podIPs
    self.phase = phase
    self.ready = ready
    self.containerPorts = containerPorts
  }
}

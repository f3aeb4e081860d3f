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

/// `spec.initContainers[].restartPolicy`.
public enum ContainerRestartPolicy: String, Sendable, Hashable {
  /// A restartable init container ("sidecar"): it keeps running beside the containers.
  case always = "Always"
  case onFailure = "OnFailure"
  case never = "Never"
}

/// `spec.initContainers[]`: what named-port resolution needs.
public struct InitContainer: Sendable, Hashable {
  /// nil when absent: a plain init container, which exits before the containers start.
  public var restartPolicy: ContainerRestartPolicy?
  public var ports: [ContainerPort]
  public init(restartPolicy: ContainerRestartPolicy? = nil, ports: [ContainerPort] = []) {
    self.restartPolicy = restartPolicy
    self.ports = ports
  }

  /// True for a sidecar (`restartPolicy: Always`), whose named ports a Service may target.
  public var isRestartable: Bool { restartPolicy == .always }
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
  /// `spec.initContainers`, in order.
  public var initContainers: [InitContainer]

  public init(
    meta: ObjectMeta, nodeName: String? = nil, hostNetwork: Bool = false, podIPs: [IPAddress] = [], phase: PodPhase = .running,
    ready: Bool = true, containerPorts: [ContainerPort] = [], initContainers: [InitContainer] = []
  ) {
    self.meta = meta
    self.nodeName = nodeName
    self.hostNetwork = hostNetwork
    self.podIPs = podIPs
    self.phase = phase
    self.ready = ready
    self.containerPorts = containerPorts
    self.initContainers = initContainers
  }
}

// Named targetPorts resolved from Pods: containers first, then restartable init containers
// (sidecars, `restartPolicy: Always`), never plain init containers (FindPort in pkg/api/v1/pod).
import KubeAPI
import NetAddress
import ServiceProxy
import Testing

@Suite struct SidecarPortTests {
  static func pod(containers: [ContainerPort] = [], initContainers: [InitContainer]) -> Pod {
    Pod(
      meta: ObjectMeta(name: "p", namespace: "default", labels: ["app": "web"]), nodeName: "node-a", podIPs: [ip("10.0.0.7")],
      containerPorts: containers, initContainers: initContainers)
  }

  static let metrics = ContainerPort(name: "metrics", containerPort: 9090)

  /// The endpoint ports of a service targeting the port named "metrics" (TCP), or none.
  static func endpointPorts(_ pod: Pod, protocol_: L4Protocol = .tcp) -> [Int] {
    let svc = service(
      "web", ports: [.init(name: "metrics", protocol_: protocol_, port: 80, targetPort: .string("metrics"))], selector: ["app": "web"])
    return Reconciler.reconcile(ObjectSet(services: [svc], pods: [pod]), node: node).servicePorts.flatMap { $0.endpoints.map(\.port) }
  }

  @Test func sidecarPortResolves() {
    #expect(Self.endpointPorts(Self.pod(initContainers: [InitContainer(restartPolicy: .always, ports: [Self.metrics])])) == [9090])
  }

  @Test(arguments: [nil, ContainerRestartPolicy.onFailure, .never])
  func plainInitContainerPortDoesNotResolve(policy: ContainerRestartPolicy?) {
    #expect(Self.endpointPorts(Self.pod(initContainers: [InitContainer(restartPolicy: policy, ports: [Self.metrics])])).isEmpty)
  }

  @Test func containersWinOverSidecars() {
    let pod = Self.pod(
      containers: [ContainerPort(name: "metrics", containerPort: 8080)],
      initContainers: [InitContainer(restartPolicy: .always, ports: [Self.metrics])])
    #expect(Self.endpointPorts(pod) == [8080])
  }

  @Test func sidecarPortMustMatchProtocol() {
    let pod = Self.pod(initContainers: [InitContainer(restartPolicy: .always, ports: [Self.metrics])])
    #expect(Self.endpointPorts(pod, protocol_: .udp).isEmpty)
  }

  @Test func laterSidecarIsSearchedAfterPlainInitContainer() {
    let pod = Self.pod(initContainers: [
      InitContainer(ports: [ContainerPort(name: "metrics", containerPort: 7000)]),
      InitContainer(restartPolicy: .always, ports: [Self.metrics]),
    ])
    #expect(Self.endpointPorts(pod) == [9090])
  }
}

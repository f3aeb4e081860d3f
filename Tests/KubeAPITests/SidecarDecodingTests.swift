// Pod init containers: their ports and restartPolicy are decoded, so that named target ports can
// resolve to restartable init containers (sidecars) as the EndpointSlice controller does.
import KubeAPI
import Testing

@Suite struct SidecarDecodingTests {
  @Test func initContainersKeepPortsAndRestartPolicy() throws {
    let text = """
      apiVersion: v1
      kind: Pod
      metadata: {name: p}
      spec:
        initContainers:
        - name: setup
          ports: [{name: setup, containerPort: 7000}]
        - name: proxy
          restartPolicy: Always
          ports: [{name: metrics, containerPort: 9090}, {name: dns, containerPort: 5353, protocol: UDP}]
        containers:
        - name: app
          ports: [{name: http, containerPort: 8080}]
      """
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "pod.yaml", into: &set)
    let pod = try #require(set.pods.first)
    #expect(pod.containerPorts == [ContainerPort(name: "http", containerPort: 8080)])
    #expect(
      pod.initContainers == [
        InitContainer(ports: [ContainerPort(name: "setup", containerPort: 7000)]),
        InitContainer(
          restartPolicy: .always,
          ports: [ContainerPort(name: "metrics", containerPort: 9090), ContainerPort(name: "dns", containerPort: 5353, protocol_: .udp)]),
      ])
    #expect(pod.initContainers.map(\.isRestartable) == [false, true])
  }
}

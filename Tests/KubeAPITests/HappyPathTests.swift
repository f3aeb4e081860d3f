// Decodes realistic manifests (multi-document YAML, `kind: List`, a JSON ServiceList as kubectl
// prints it) and checks every decoded field.
import KubeAPI
import NetAddress
import Testing

@Suite struct HappyPathTests {
  static let multiDocument = """
    # cluster state
    apiVersion: v1
    kind: Service
    metadata:
      name: web
      namespace: shop
      labels:
        app.kubernetes.io/name: web
        tier: ""
      annotations:
        example.com/note: "any text; even this"
    spec:
      type: LoadBalancer
      clusterIP: 10.96.0.10
      clusterIPs: [10.96.0.10, "fd00:10:96::a"]
      ipFamilies: [IPv4, IPv6]
      ports:
      - name: http
        port: 80
        targetPort: http-web
        nodePort: 30080
      - name: dns
        protocol: UDP
        port: 53
        targetPort: 5353
      selector:
        app: web
      externalIPs: [192.0.2.10]
      loadBalancerSourceRanges: [203.0.113.7/24, "2001:db8::/32"]
      sessionAffinity: ClientIP
      sessionAffinityConfig:
        clientIP:
          timeoutSeconds: 300
      externalTrafficPolicy: Local
      internalTrafficPolicy: Cluster
      healthCheckNodePort: 32000
    status:
      loadBalancer:
        ingress:
        - ip: 198.51.100.1
        - hostname: lb.example.com
    ---
    apiVersion: discovery.k8s.io/v1
    kind: EndpointSlice
    metadata:
      name: web-abc12
      namespace: shop
      labels:
        kubernetes.io/service-name: web
    addressType: IPv4
    endpoints:
    - addresses: ["10.244.1.5"]
      conditions: {ready: true, serving: true, terminating: false}
      nodeName: node-1
      zone: zone-a
    - addresses: ["10.244.2.6"]
    ports:
    - name: http
      port: 8080
    - name: dns
      protocol: UDP
      port: 5353
    ---
    apiVersion: v1
    kind: Pod
    metadata:
      name: web-0
      namespace: shop
      labels: {app: web}
      deletionTimestamp: "2024-05-01T10:00:00Z"
    spec:
      nodeName: node-1
      containers:
      - name: web
        ports:
        - name: http-web
          containerPort: 8080
        - containerPort: 5353
          protocol: UDP
    status:
      phase: Running
      podIP: 10.244.1.5
      podIPs: [{ip: 10.244.1.5}, {ip: "fd00:244::5"}]
      conditions:
      - type: Initialized
        status: "True"
      - type: Ready
        status: "True"
    ---
    ---
    apiVersion: v1
    kind: Node
    metadata:
      name: node-1
      namespace: ignored
      labels: {kubernetes.io/hostname: node-1}
    status:
      addresses:
      - {type: InternalIP, address: 192.168.0.11}
      - {type: Hostname, address: node-1}
      - {type: InternalIP, address: "fd00::11"}
      - {type: ExternalIP, address: 203.0.113.11}
    ---
    apiVersion: networking.k8s.io/v1
    kind: ServiceCIDR
    metadata:
      name: kubernetes
    spec:
      cidrs: [10.96.0.0/16, "fd00:10:96::/112"]
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings}
    data: {a: b}
    ---
    apiVersion: serving.knative.dev/v1
    kind: Service
    metadata: {name: not-a-core-service}
    """

  @Test func multiDocumentYAML() throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(Self.multiDocument, file: "cluster.yaml", into: &set)
    #expect(set.ignoredCount == 2)

    #expect(set.services.count == 1)
    let web = try #require(set.services.first)
    #expect(
      web.meta
        == ObjectMeta(
          name: "web", namespace: "shop", labels: ["app.kubernetes.io/name": "web", "tier": ""],
          annotations: ["example.com/note": "any text; even this"]))
    #expect(web.type == .loadBalancer)
    #expect(web.clusterIPs == [IPAddress("10.96.0.10")!, IPAddress("fd00:10:96::a")!])
    #expect(!web.isHeadless)
    #expect(web.ipFamilies == [.v4, .v6])
    #expect(
      web.ports == [
        ServicePort(name: "http", protocol_: .tcp, port: 80, targetPort: .string("http-web"), nodePort: 30080),
        ServicePort(name: "dns", protocol_: .udp, port: 53, targetPort: .int(5353), nodePort: 0),
      ])
    #expect(web.selector == ["app": "web"])
    #expect(web.externalIPs == [IPAddress("192.0.2.10")!])
    #expect(web.loadBalancerIngressIPs == [IPAddress("198.51.100.1")!])
    #expect(web.loadBalancerSourceRanges.map(\.description) == ["203.0.113.0/24", "2001:db8::/32"])
    #expect(web.sessionAffinity == .clientIP)
    #expect(web.affinityTimeoutSeconds == 300)
    #expect(web.externalTrafficPolicy == .local)
    #expect(web.internalTrafficPolicy == .cluster)
    #expect(web.healthCheckNodePort == 32000)
    #expect(web.externalName == nil)

    let slice = try #require(set.endpointSlices.first)
    #expect(slice.meta.key == NamespacedName(namespace: "shop", name: "web-abc12"))
    #expect(slice.serviceName == "web")
    #expect(slice.addressType == .ipv4)
    #expect(
      slice.endpoints == [
        SliceEndpoint(
          addresses: [IPAddress("10.244.1.5")!], conditions: .init(ready: true, serving: true, terminating: false), nodeName: "node-1",
          zone: "zone-a"),
        SliceEndpoint(addresses: [IPAddress("10.244.2.6")!]),
      ])
    #expect(
      slice.ports == [EndpointPort(name: "http", protocol_: .tcp, port: 8080), EndpointPort(name: "dns", protocol_: .udp, port: 5353)])

    let pod = try #require(set.pods.first)
    #expect(pod.meta == ObjectMeta(name: "web-0", namespace: "shop", labels: ["app": "web"], deletionTimestamp: "2024-05-01T10:00:00Z"))
    #expect(pod.nodeName == "node-1")
    #expect(!pod.hostNetwork)
    #expect(pod.podIPs == [IPAddress("10.244.1.5")!, IPAddress("fd00:244::5")!])
    #expect(pod.phase == .running)
    #expect(pod.ready)
    #expect(
      pod.containerPorts == [ContainerPort(name: "http-web", containerPort: 8080), ContainerPort(containerPort: 5353, protocol_: .udp)])

    let node = try #require(set.nodes.first)
    #expect(node.meta == ObjectMeta(name: "node-1", namespace: "", labels: ["kubernetes.io/hostname": "node-1"]))
    #expect(node.internalIPs == [IPAddress("192.168.0.11")!, IPAddress("fd00::11")!])
    #expect(node.externalIPs == [IPAddress("203.0.113.11")!])

    let cidr = try #require(set.serviceCIDRs.first)
    #expect(cidr.meta.key == NamespacedName(namespace: "", name: "kubernetes"))
    #expect(cidr.cidrs.map(\.description) == ["10.96.0.0/16", "fd00:10:96::/112"])
  }

  @Test func defaultsApplyWhenFieldsAreAbsent() throws {
    let text = """
      apiVersion: v1
      kind: Service
      metadata: {name: db}
      spec:
        ports: [{port: 5432}]
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: db-0}
      ---
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: db-1}
      addressType: IPv6
      endpoints: [{addresses: ["FD00::0001"]}]
      ports: [{}]
      """
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "db.yaml", into: &set)
    #expect(set.services == [Service(meta: ObjectMeta(name: "db", namespace: "default"), ports: [ServicePort(port: 5432)])])
    #expect(set.pods == [Pod(meta: ObjectMeta(name: "db-0", namespace: "default"), phase: .pending, ready: false)])
    #expect(
      set.endpointSlices == [
        EndpointSlice(
          meta: ObjectMeta(name: "db-1", namespace: "default"), addressType: .ipv6,
          endpoints: [SliceEndpoint(addresses: [IPAddress("fd00::1")!])], ports: [EndpointPort(port: nil)])
      ])
  }

  @Test func headlessAndExternalNameServices() throws {
    let text = """
      {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "headless"},
       "spec": {"clusterIP": "None", "clusterIPs": ["None"], "selector": {}}}
      ---
      apiVersion: v1
      kind: Service
      metadata: {name: ext}
      spec: {type: ExternalName, externalName: db.example.com.}
      """
    var set = ObjectSet()
    try ManifestDecoder.decode(text, file: "svc.yaml", into: &set)
    #expect(set.services.map(\.isHeadless) == [true, false])
    #expect(set.services[0].clusterIPs.isEmpty)
    #expect(set.services[0].selector == nil)
    #expect(set.services[1].type == .externalName)
    #expect(set.services[1].externalName == "db.example.com.")
  }

  @Test func kindListWithItemsOfSeveralKinds() throws {
    let text = """
      apiVersion: v1
      kind: List
      metadata: {resourceVersion: ""}
      items:
      - apiVersion: v1
        kind: Service
        metadata: {name: a, namespace: ns1}
        spec: {clusterIP: 10.0.0.1, ports: [{port: 80}]}
      - apiVersion: apps/v1
        kind: Deployment
        metadata: {name: a}
      - apiVersion: v1
        kind: Node
        metadata: {name: n1}
      """
    let manifest = try ManifestDecoder.decodeObjects(text, file: "list.yaml")
    #expect(manifest.ignoredCount == 1)
    #expect(manifest.objects.map(\.location) == ["doc 1 items[0]", "doc 1 items[2]"])
    #expect(manifest.objects.map(\.object.kind) == ["Service", "Node"])
    #expect(manifest.objects[0].object.meta.key.description == "ns1/a")
  }

  /// `kubectl get services -o json` against the raw API: a ServiceList whose items have no kind.
  static let serviceListJSON = """
    {
        "apiVersion": "v1",
        "items": [
            {
                "metadata": {
                    "creationTimestamp": "2024-01-01T00:00:00Z",
                    "labels": {"component": "apiserver", "provider": "kubernetes"},
                    "name": "kubernetes",
                    "namespace": "default",
                    "resourceVersion": "193",
                    "uid": "0b5f5a3e-2f0f-4a42-9d2e-7f7e2d0b4f11"
                },
                "spec": {
                    "clusterIP": "10.96.0.1",
                    "clusterIPs": ["10.96.0.1"],
                    "internalTrafficPolicy": "Cluster",
                    "ipFamilies": ["IPv4"],
                    "ipFamilyPolicy": "SingleStack",
                    "ports": [{"name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443}],
                    "sessionAffinity": "None",
                    "type": "ClusterIP"
                },
                "status": {"loadBalancer": {}}
            },
            {
                "metadata": {"name": "kube-dns", "namespace": "kube-system", "labels": {"k8s-app": "kube-dns"}},
                "spec": {
                    "clusterIP": "10.96.0.10",
                    "ports": [
                        {"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                        {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53}
                    ],
                    "selector": {"k8s-app": "kube-dns"},
                    "type": "ClusterIP"
                }
            }
        ],
    \t"kind": "ServiceList",
        "metadata": {"resourceVersion": "1234"}
    }
    """

  @Test func serviceListJSON() throws {
    var set = ObjectSet()
    try ManifestDecoder.decode(Self.serviceListJSON, file: "services.json", into: &set)
    #expect(set.ignoredCount == 0)
    #expect(set.services.map(\.meta.key.description) == ["default/kubernetes", "kube-system/kube-dns"])
    #expect(set.services[0].meta.labels == ["component": "apiserver", "provider": "kubernetes"])
    #expect(set.services[0].clusterIPs == [IPAddress("10.96.0.1")!])
    #expect(set.services[0].ipFamilies == [.v4])
    #expect(set.services[0].ports == [ServicePort(name: "https", port: 443, targetPort: .int(6443))])
    #expect(set.services[1].ports.map(\.protocol_) == [.udp, .tcp])
    #expect(set.services[1].selector == ["k8s-app": "kube-dns"])
  }

  @Test func emptyAndCommentOnlyInputDecodesNothing() throws {
    var set = ObjectSet()
    try ManifestDecoder.decode("", file: "a.yaml", into: &set)
    try ManifestDecoder.decode("# nothing\n---\n---\n", file: "b.yaml", into: &set)
    #expect(set == ObjectSet())
  }
}

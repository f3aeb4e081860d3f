// What a sandbox is made of, derived from the reconciled cluster and the node: a namespace per
// endpoint IP (its echo listeners), a client pod per family, the node and an outside client
// with their addresses, and the probes `sandbox check` makes. Pure: no I/O.
import KubeAPI
import NetAddress
import ServiceProxy

/// A namespace standing in for a pod (or the in-cluster client), linked to the node by a veth pair.
public struct SandboxPod: Sendable, Hashable, Codable {
  public var namespace: String
  /// The node's end of the veth pair.
  public var link: String
  public var ip: String
  /// An address of the other family, for a dual-stack pod (the packet tests' pods have one).
  public var otherIP: String?
  public var listens: [EchoListen]

  public init(namespace: String, link: String, ip: String, otherIP: String? = nil, listens: [EchoListen] = []) {
    self.namespace = namespace
    self.link = link
    self.ip = ip
    self.otherIP = otherIP
    self.listens = listens
  }

  /// Every address of the pod.
  public var addresses: [String] { [ip] + (otherIP.map { [$0] } ?? []) }
}

/// One probe: a service address reached from the client pod, the node or the outside client.
public struct SandboxProbe: Sendable, Hashable, Codable {
  public enum Source: String, Sendable, Hashable, Codable { case pod, node, outside }
  public var servicePort: String
  /// ClusterIP, NodePort, ExternalIP or LoadBalancer.
  public var kind: String
  public var from: Source
  public var fromAddress: String
  public var namespace: String
  public var target: String
  public var port: Int
  public var transport: EchoListen.Transport

  public init(
    servicePort: String, kind: String, from: Source, fromAddress: String, namespace: String, target: String, port: Int,
    transport: EchoListen.Transport
  ) {
    self.servicePort = servicePort
    self.kind = kind
    self.from = from
    self.fromAddress = fromAddress
    self.namespace = namespace
    self.target = target
    self.port = port
    self.transport = transport
  }

  /// `10.96.0.10:53` or `[fd00::10]:53`.
  public var targetText: String { target.contains(":") ? "[\(target)]:\(port)" : "\(target):\(port)" }
}

/// Everything `sandbox up` builds and `check`, `exec` and `down` use; saved as the sandbox's state.
public struct SandboxPlan: Sendable, Hashable, Codable {
  public var name: String
  public var node: String
  public var outside: String
  public var nodeIPs: [String]
  public var outsideIPs: [String]
  /// The node's address on every pod link, per family (what a masqueraded pod sees).
  public var gateways: [String]
  public var pods: [SandboxPod]
  /// Echo listeners for endpoints whose address is a node IP (host-network endpoints).
  public var nodeListens: [EchoListen]
  public var clients: [SandboxPod]
  public var probes: [SandboxProbe]
  /// What could not be probed and why (SCTP, a family without a node IP).
  public var notes: [String]

  /// A plan given in full (the packet tests' fixed topology, which has no manifests).
  public init(
    name: String, node: String, outside: String, nodeIPs: [String], outsideIPs: [String], gateways: [String], pods: [SandboxPod],
    clients: [SandboxPod] = []
  ) {
    self.name = name
    self.node = node
    self.outside = outside
    self.nodeIPs = nodeIPs
    self.outsideIPs = outsideIPs
    self.gateways = gateways
    self.pods = pods
    self.clients = clients
    nodeListens = []
    probes = []
    notes = []
  }

  /// Each pod namespace runs an echo server process (about 3 MB of private memory).
  public static let maxPods = 256

  public init(name: String, state: ProxyState, node: NodeConfig) throws(SandboxError) {
    try SandboxNames.validate(name)
    self.name = name
    self.node = SandboxNames.namespace(name, "node")
    self.outside = SandboxNames.namespace(name, "out")
    let v4 = node.nodeIPs.first { $0.family == .v4 }
    let v6 = node.nodeIPs.first { $0.family == .v6 }
    if v4 == nil && v6 == nil { throw .noNodeIP }
    nodeIPs = [v4, v6].compactMap { $0?.description }
    outsideIPs = [v4, v6].compactMap { $0.map(Self.outsideAddress) }
    notes = []
    nodeListens = []

    var listensByIP: [IPAddress: Set<EchoListen>] = [:]
    for sp in state.servicePorts {
      guard let transport = EchoListen.Transport(rawValue: sp.name.protocol_.lowercased) else { continue }
      for e in sp.endpoints { listensByIP[e.ip, default: []].insert(EchoListen(ip: e.ip.description, port: e.port, transport: transport)) }
    }
    let nodeAddresses = Set(node.nodeIPs)
    nodeListens = listensByIP.filter { nodeAddresses.contains($0.key) }.values.flatMap { $0 }.sorted { $0.description < $1.description }
    let podIPs = listensByIP.keys.filter { !nodeAddresses.contains($0) }.sorted()
    if podIPs.count > Self.maxPods { throw .tooManyPods(podIPs.count) }
    pods = podIPs.enumerated().map { i, ip in
      SandboxPod(
        namespace: SandboxNames.namespace(name, "p\(i)"), link: "p\(i)", ip: ip.description,
        listens: listensByIP[ip]!.sorted { $0.description < $1.description })
    }
    var gateways: [String] = []
    var clients: [SandboxPod] = []
    for (family, nodeIP) in [(IPFamily.v4, v4), (.v6, v6)] {
      guard nodeIP != nil else { continue }
      let taken = Set(podIPs).union(nodeAddresses)
      let cidr = node.clusterCIDRs.first { $0.family == family }
      gateways.append(Self.free(in: cidr, family: family, from: 1, taken: taken).description)
      if cidr != nil {
        let ip = Self.free(in: cidr, family: family, from: 200, taken: taken.union(gateways.compactMap { IPAddress($0) }))
        let tag = family == .v4 ? "c4" : "c6"
        clients.append(SandboxPod(namespace: SandboxNames.namespace(name, tag), link: tag, ip: ip.description, listens: []))
      } else {
        notes.append("no \(family.rawValue) cluster CIDR: ClusterIPs are not probed from a pod")
      }
    }
    self.gateways = gateways
    self.clients = clients
    probes = []
    for sp in state.servicePorts.sorted(by: { $0.name < $1.name }) {
      addProbes(sp, v4: v4, v6: v6)
    }
  }

  private mutating func addProbes(_ sp: ServicePortInfo, v4: IPAddress?, v6: IPAddress?) {
    let label = "\(sp.name) (\(sp.name.protocol_.lowercased))"
    guard let transport = EchoListen.Transport(rawValue: sp.name.protocol_.lowercased) else {
      notes.append("\(label): not probed (SCTP)")
      return
    }
    guard let nodeIP = sp.family == .v4 ? v4 : v6 else {
      notes.append("\(label): not probed (the node has no \(sp.family.rawValue) address)")
      return
    }
    func probe(_ kind: String, _ from: SandboxProbe.Source, _ target: IPAddress, _ port: Int) {
      let (namespace, address): (String, String)
      switch from {
      case .pod:
        guard let c = clients.first(where: { IPAddress($0.ip)?.family == sp.family }) else { return }
        (namespace, address) = (c.namespace, c.ip)
      case .node: (namespace, address) = (node, nodeIP.description)
      case .outside: (namespace, address) = (outside, Self.outsideAddress(nodeIP))
      }
      probes.append(
        SandboxProbe(
          servicePort: label, kind: kind, from: from, fromAddress: address, namespace: namespace, target: target.description, port: port,
          transport: transport))
    }
    probe("ClusterIP", .pod, sp.clusterIP, sp.port)
    probe("ClusterIP", .node, sp.clusterIP, sp.port)
    if sp.nodePort != 0 { probe("NodePort", .outside, nodeIP, sp.nodePort) }
    for ip in sp.externalIPs where ip.family == sp.family { probe("ExternalIP", .outside, ip, sp.port) }
    for ip in sp.loadBalancerIPs where ip.family == sp.family { probe("LoadBalancer", .outside, ip, sp.port) }
  }

  /// The outside client's address: the node IP's neighbour in its /24 (IPv4) or /64 (IPv6).
  static func outsideAddress(_ nodeIP: IPAddress) -> String {
    switch nodeIP {
    case .v4(let a):
      let last = a.value & 0xff
      return IPv4Address((a.value & ~0xff) | (last == 254 ? 253 : 254)).description
    case .v6(let a):
      let last = a.low & 0xffff
      return IPv6Address(high: a.high, low: (a.low & ~0xffff) | (last == 0xfe ? 0xfd : 0xfe)).description
    }
  }

  /// The first address of `cidr` at or after offset `from` that is not taken (a link-local
  /// style fallback range when the node has no cluster CIDR of that family).
  static func free(in cidr: IPPrefix?, family: IPFamily, from: UInt32, taken: Set<IPAddress>) -> IPAddress {
    let base = cidr?.address ?? (family == .v4 ? IPAddress("169.254.123.0")! : IPAddress("fd00:5b0c::")!)
    var offset = from
    while true {
      let candidate: IPAddress
      switch base {
      case .v4(let a): candidate = .v4(IPv4Address(a.value &+ offset))
      case .v6(let a): candidate = .v6(IPv6Address(high: a.high, low: a.low &+ UInt64(offset)))
      }
      if !taken.contains(candidate) { return candidate }
      offset += 1
    }
  }

  /// The namespace that stands for `who`: `node`, `outside`, `client` (or `client6`), or a pod IP.
  public func namespace(for who: String) -> String? {
    switch who {
    case "node": return node
    case "outside": return outside
    case "client", "client4": return clients.first { IPAddress($0.ip)?.family == .v4 }?.namespace
    case "client6": return clients.first { IPAddress($0.ip)?.family == .v6 }?.namespace
    default:
      if let ip = IPAddress(who) {
        if nodeIPs.contains(ip.description) { return node }
        return (pods + clients).first { $0.ip == ip.description }?.namespace
      }
      return nil
    }
  }

  public var namespaces: [String] { [node, outside] + pods.map(\.namespace) + clients.map(\.namespace) }
}

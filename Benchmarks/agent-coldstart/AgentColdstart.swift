// A test API server loaded with a synthetic cluster, for `kproxy run --master` at scale: N Services
// with 10 endpoints each (EndpointSlices, or with --pods selectors and 10 Pods per Service), one Node.
import Foundation
import KubeTestServer

/// `agent-coldstart SERVICES [--pods]`: builds the objects, starts the server on 127.0.0.1, prints
/// "ready URL" on stdout and serves until killed.
@main struct AgentColdstart {
  static func main() async throws {
    let args = CommandLine.arguments.dropFirst()
    guard let services = args.first.flatMap(Int.init), services > 0 else {
      FileHandle.standardError.write(Data("usage: agent-coldstart SERVICES [--pods]\n".utf8))
      exit(2)
    }
    let pods = args.contains("--pods")
    let started = Date()
    let store = ObjectStore()
    try store.create(
      .nodes, namespace: "",
      object: [
        "apiVersion": "v1", "kind": "Node", "metadata": ["name": "n1"],
        "status": ["addresses": [["type": "InternalIP", "address": "192.168.0.1"]]],
      ])
    for s in 0..<services {
      let ns = "ns\(s % 100)"
      let name = "svc\(s)"
      var spec: [String: Any] = [
        "clusterIP": address(0xAC10_0000 + s), "ports": [["name": "http", "protocol": "TCP", "port": 80, "targetPort": 8080]],
      ]
      if pods { spec["selector"] = ["app": name] }
      try store.create(
        .services, namespace: ns,
        object: ["apiVersion": "v1", "kind": "Service", "metadata": ["name": name, "namespace": ns], "spec": spec])
      let ips = (0..<10).map { address(0x0A00_0000 + s * 10 + $0) }
      if pods {
        for (e, ip) in ips.enumerated() {
          try store.create(
            .pods, namespace: ns,
            object: [
              "apiVersion": "v1", "kind": "Pod",
              "metadata": ["name": "\(name)-\(e)", "namespace": ns, "labels": ["app": name]],
              "spec": [
                "nodeName": "n\(1 + (s * 10 + e) % 50)",
                "containers": [["name": "c", "ports": [["name": "http", "containerPort": 8080, "protocol": "TCP"]]]],
              ],
              "status": ["phase": "Running", "podIP": ip, "podIPs": [["ip": ip]], "conditions": [["type": "Ready", "status": "True"]]],
            ])
        }
      } else {
        try store.create(
          .endpointSlices, namespace: ns,
          object: [
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": ["name": "\(name)-a", "namespace": ns, "labels": ["kubernetes.io/service-name": name]],
            "addressType": "IPv4", "endpoints": ips.map { ["addresses": [$0], "conditions": ["ready": true]] },
            "ports": [["name": "http", "protocol": "TCP", "port": 8080]],
          ])
      }
    }
    let server = try await KubeTestServer.start(store: store)
    FileHandle.standardError.write(Data(String(format: "objects built in %.1f s\n", Date().timeIntervalSince(started)).utf8))
    FileHandle.standardOutput.write(Data("ready \(server.url)\n".utf8))
    while true { try await Task.sleep(for: .seconds(3600)) }
  }

  static func address(_ value: Int) -> String {
    "\(value >> 24 & 255).\(value >> 16 & 255).\(value >> 8 & 255).\(value & 255)"
  }
}

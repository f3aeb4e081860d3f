// deploy/: every YAML file is a Kubernetes object (apiVersion, kind, metadata.name), the ConfigMap's
// KubeProxyConfiguration decodes, and the ClusterRole grants exactly the requests kproxy's client makes.
import Foundation
import KubeAPI
import KubeSource
import KubeTestServer
import Testing
import Yams

struct DeployManifestTests {
  static let deploy = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("deploy")

  static func objects(_ file: String) throws -> [[String: Any]] {
    let text = try String(contentsOf: deploy.appendingPathComponent(file), encoding: .utf8)
    return try Yams.load_all(yaml: text).map { try #require($0 as? [String: Any], "\(file): a document is not a mapping") }
  }

  @Test func everyFileIsAKubernetesObject() throws {
    let files = try FileManager.default.contentsOfDirectory(atPath: Self.deploy.path).filter { $0.hasSuffix(".yaml") }.sorted()
    #expect(files == ["clusterrole.yaml", "clusterrolebinding.yaml", "configmap.yaml", "daemonset.yaml", "serviceaccount.yaml"])
    var kinds: [String] = []
    for file in files {
      for object in try Self.objects(file) {
        let kind = try #require(object["kind"] as? String, "\(file): no kind")
        #expect(object["apiVersion"] as? String != nil, "\(file): no apiVersion")
        let metadata = try #require(object["metadata"] as? [String: Any], "\(file): no metadata")
        #expect((metadata["name"] as? String)?.isEmpty == false, "\(file): no metadata.name")
        kinds.append(kind)
      }
    }
    #expect(kinds.sorted() == ["ClusterRole", "ClusterRoleBinding", "ConfigMap", "DaemonSet", "ServiceAccount"])
  }

  @Test func configMapHoldsAValidConfiguration() throws {
    let configMap = try #require(try Self.objects("configmap.yaml").first)
    let data = try #require(configMap["data"] as? [String: Any])
    let text = try #require(data["config.yaml"] as? String)
    let config = try KubeProxyConfiguration.decode(text, file: "configmap.yaml config.yaml")
    #expect(config.clusterCIDRs.map(\.description) == ["10.244.0.0/16"])
    #expect(text.contains("healthzBindAddress: 0.0.0.0:10256") && text.contains("metricsBindAddress: 127.0.0.1:10249"))
  }

  @Test func daemonSetRunsUnprivilegedWithNetAdminOnly() throws {
    let daemonSet = try #require(try Self.objects("daemonset.yaml").first)
    let spec = try #require((daemonSet["spec"] as? [String: Any])?["template"] as? [String: Any])
    let pod = try #require(spec["spec"] as? [String: Any])
    #expect(pod["hostNetwork"] as? Bool == true)
    #expect(pod["priorityClassName"] as? String == "system-node-critical")
    #expect(pod["serviceAccountName"] as? String == "kproxy")
    #expect((pod["tolerations"] as? [[String: Any]])?.first?["operator"] as? String == "Exists")
    let container = try #require((pod["containers"] as? [[String: Any]])?.first)
    let security = try #require(container["securityContext"] as? [String: Any])
    #expect(security["privileged"] as? Bool == false)
    let capabilities = try #require(security["capabilities"] as? [String: Any])
    #expect(capabilities["add"] as? [String] == ["NET_ADMIN"])
    #expect(capabilities["drop"] as? [String] == ["ALL"])
  }

  /// (apiGroup, resource, verb) triples the ClusterRole grants.
  static func grants() throws -> Set<String> {
    let role = try #require(try objects("clusterrole.yaml").first)
    var grants: Set<String> = []
    for rule in try #require(role["rules"] as? [[String: Any]]) {
      for group in rule["apiGroups"] as? [String] ?? [] {
        for resource in rule["resources"] as? [String] ?? [] {
          for verb in rule["verbs"] as? [String] ?? [] { grants.insert("\(group)|\(resource)|\(verb)") }
        }
      }
    }
    return grants
  }

  /// The RBAC (apiGroup, resource, verb) of a logged request "GET /apis/g/v/namespaces/ns/r?watch=1".
  static func rbacRequest(_ logged: String) throws -> String {
    let parts = logged.split(separator: " ", maxSplits: 1)
    #expect(parts.first == "GET", "kproxy only reads: \(logged)")
    let uri = String(parts.last ?? "")
    let pathAndQuery = uri.split(separator: "?", maxSplits: 1)
    var segments = pathAndQuery[0].split(separator: "/").map(String.init)
    let query = pathAndQuery.count > 1 ? String(pathAndQuery[1]) : ""
    let group: String
    if segments.first == "api" {
      group = ""
      segments.removeFirst(2)
    } else {
      group = segments[1]
      segments.removeFirst(3)
    }
    if segments.first == "namespaces", segments.count > 2 { segments.removeFirst(2) }
    let resource = try #require(segments.first, "no resource in \(logged)")
    let named = segments.count > 1
    let watch = query.split(separator: "&").contains { $0 == "watch=1" || $0 == "watch=true" }
    let verb = watch ? "watch" : named ? "get" : "list"
    return "\(group)|\(resource)|\(verb)"
  }

  /// Every resource kproxy's API source lists and watches (Sources/KubeSource/KubeResource.swift).
  static let watched: [(KubeResource, APIResource)] = [
    (.services, .services), (.endpointSlices, .endpointSlices), (.pods, .pods), (.nodes, .nodes), (.serviceCIDRs, .serviceCIDRs),
  ]

  @Test func clusterRoleCoversExactlyTheClientsRequests() async throws {
    let server = try await KubeTestServer.start()
    let client = try APIClient(connection: ClusterConnection(server: server.url))
    // Run every list + watch until each has listed and opened its watch, as the agent does at start.
    let tasks = Self.watched.map { resource, _ in
      let events = ListWatch(client: client, resource: resource, options: ListWatchOptions(pageSize: 2)).events()
      return Task { for await _ in events {} }
    }
    let deadline = Date().addingTimeInterval(20)
    while Self.watched.contains(where: { server.openWatchCount($0.1) == 0 }) && Date() < deadline {
      try await Task.sleep(nanoseconds: 10_000_000)
    }
    for (resource, served) in Self.watched { #expect(server.openWatchCount(served) == 1, "\(resource): no watch opened") }
    for task in tasks { task.cancel() }
    let made = Set(try server.requests.map(Self.rbacRequest))
    let granted = try Self.grants()
    #expect(made.subtracting(granted).isEmpty, "requests the ClusterRole does not allow: \(made.subtracting(granted).sorted())")
    #expect(granted.subtracting(made).isEmpty, "grants no request uses: \(granted.subtracting(made).sorted())")
    try await client.shutdown()
    try await server.shutdown()
  }
}

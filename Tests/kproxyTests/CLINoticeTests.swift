// What kproxy says about input it reads but does not use: objects skipped for a reason
// (v1 Endpoints, an unknown apiVersion) warned once each by name, and `-v`'s plain summary.
import Foundation
import Testing

@Suite struct CLINoticeTests {
  static let input = """
    apiVersion: v1
    kind: Service
    metadata: {name: web, namespace: shop}
    spec:
      clusterIP: 10.96.0.5
      ports: [{port: 80}]
    ---
    apiVersion: v2
    kind: Service
    metadata: {name: future, namespace: shop}
    spec: {clusterIP: 10.96.0.6, ports: [{port: 80}]}
    ---
    apiVersion: v1
    kind: Endpoints
    metadata: {name: web, namespace: shop}
    ---
    apiVersion: discovery.k8s.io/v1beta1
    kind: EndpointSlice
    metadata: {name: web-old, namespace: shop}
    ---
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: settings, namespace: shop}

    """

  @Test func skippedObjectsAreWarnedOnceByName() throws {
    let file = try CLITests.tempFile(Self.input)
    let r = try CLITests.kproxy(["compile", "--manifests", file])
    #expect(r.status == 0, "\(r.stderr)")
    let warnings = r.stderr.split(separator: "\n").map(String.init)
    #expect(warnings.count == 3, "\(r.stderr)")
    #expect(warnings.contains { $0.hasPrefix("kproxy: warning: \(file) doc 2 (shop/future): Service apiVersion v2 is not known") })
    #expect(warnings.contains { $0.hasPrefix("kproxy: warning: \(file) doc 3 (shop/web): ") && $0.contains("Endpoints") })
    #expect(
      warnings.contains { $0.hasPrefix("kproxy: warning: \(file) doc 4 (shop/web-old): EndpointSlice apiVersion discovery.k8s.io/v1beta1") }
    )
    #expect(!r.stderr.contains("settings"), "a kind kproxy does not read is not worth a warning")
  }

  @Test func verboseSaysWhatWasSkippedAndWhy() throws {
    let file = try CLITests.tempFile(Self.input)
    let r = try CLITests.kproxy(["compile", "-v", "--manifests", file])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(
      r.stderr.contains(
        "servicecidrs; ignored 4 objects: 1 of kinds kproxy does not read (ConfigMap), 1 v1 Endpoints, 2 of an unknown apiVersion"),
      "\(r.stderr)")
    #expect(!r.stderr.contains("objects of other kinds"))
    #expect(!r.stderr.contains("cidrs(["), "NodePort addresses are described in words")
  }

  @Test func diffWarnsOncePerWarning() throws {
    let file = try CLITests.tempFile(Self.input)
    let r = try CLITests.kproxy(["diff", "--from", file, "--to", file])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stderr.split(separator: "\n").count == 3, "\(r.stderr)")
  }
}

// `kproxy record` against the test API server while objects change, then `kproxy replay` of the
// recording in memory and into a network namespace's kernel: every check against a full compile
// passes, the kernel ends with the last state, and the recording's lines are what was sent.
import Foundation
import KubeTestServer
import PacketTestSupport
import Testing

@Suite("record and replay", .packetTestsEnabled)
struct RecordReplayTests {
  @Test func aRecordingOfChangesReplaysEqualToAFullCompile() async throws {
    try await APIServerThread.run(Self.recordAndReplay)
  }

  static func recordAndReplay(_ server: KubeTestServer) throws {
    let store = server.store
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kp-rec-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    try store.create(
      .nodes, namespace: "",
      object: [
        "apiVersion": "v1", "kind": "Node", "metadata": ["name": "node-a"],
        "status": ["addresses": [["type": "InternalIP", "address": "192.168.1.2"]]],
      ])
    try store.create(.services, namespace: "default", object: AgentPacketTests.apiService("web", clusterIP: "10.96.0.10"))
    try store.create(.endpointSlices, namespace: "default", object: AgentPacketTests.apiSlice("web", endpoints: ["10.244.1.10"]))
    let recorder = try Command.spawn([
      try PacketTestPaths.kproxyBinary(), "record", "--master", server.url, "--out", dir, "--duration", "3s", "--hostname-override",
      "node-a",
    ])
    let events = dir + "/events.jsonl"
    func lines() -> [String] { ((try? String(contentsOfFile: events, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
    let deadline = Date().addingTimeInterval(10)
    while lines().filter({ $0.contains("\"type\":\"synced\"") }).count < 5 {
      if Date() > deadline { throw CommandFailure(description: "the recorder did not list every resource: \(lines())") }
      usleep(20_000)
    }
    let sliceKey = ObjectKey(resource: "endpointslices", namespace: "default", name: "web-ipv4")
    try store.update(
      sliceKey, resource: .endpointSlices, object: AgentPacketTests.apiSlice("web", endpoints: ["10.244.1.10", "10.244.1.11"]))
    try store.create(.services, namespace: "default", object: AgentPacketTests.apiService("api", clusterIP: "10.96.0.20"))
    try store.create(.endpointSlices, namespace: "default", object: AgentPacketTests.apiSlice("api", endpoints: ["10.244.1.12"]))
    try store.update(sliceKey, resource: .endpointSlices, object: AgentPacketTests.apiSlice("web", endpoints: ["10.244.1.11"]))
    try store.delete(ObjectKey(resource: "services", namespace: "default", name: "api"), resource: .services)
    recorder.waitUntilExit()
    #expect(recorder.terminationStatus == 0)
    let types = lines().compactMap { line -> String? in
      guard let o = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
      return "\(o["resource"] ?? "") \(o["type"] ?? "")"
    }
    #expect(types.filter { $0.hasSuffix(" replaced") }.count == 5)
    #expect(types.filter { $0 == "endpointslices modified" }.count == 2)
    #expect(types.contains("endpointslices added") && types.contains("services added") && types.contains("services deleted"))

    // In memory: every step equals a full compile.
    let node = ["--hostname-override", "node-a", "--cluster-cidr", "10.244.0.0/16"]
    let memory = try Command.run([try PacketTestPaths.kproxyBinary(), "replay", dir, "-v"] + node)
    #expect(memory.status == 0, "\(memory.stdout)\(memory.stderr)")
    #expect(memory.stdout.contains("checks against a full compile: all equal"), "\(memory.stdout)")
    #expect(memory.stderr.contains("synced (full"), "\(memory.stderr)")

    // In a namespace's kernel: the same, and the kernel holds the last state.
    let ns = "kp-replay-\(getpid())"
    try Command.must(["ip", "netns", "add", ns])
    defer { _ = try? Command.run(["ip", "netns", "del", ns]) }
    let kernel = try Command.run([try PacketTestPaths.kproxyBinary(), "replay", dir, "--netns", ns] + node)
    #expect(kernel.status == 0 && kernel.stdout.contains("all equal"), "\(kernel.stdout)\(kernel.stderr)")
    let listing = try Command.run(["ip", "netns", "exec", ns, "nft", "list", "ruleset"]).check().stdout
    #expect(listing.contains("10.96.0.10 . tcp . 80 . 0 : 10.244.1.11 . 8080"), "\(listing)")
    #expect(!listing.contains("10.96.0.20"))
  }
}

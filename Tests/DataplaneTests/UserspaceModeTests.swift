import Foundation
import KubeAPI
import NetAddress
import ServiceProxy
import Synchronization
// UserspaceMode over a recording fake runtime: after random change sequences (with node changes
// and failed applies), the applied table always equals the table built from the whole state.
import TestSupport
import Testing
import UserspaceProxy

@testable import Dataplane

/// Records every table it is given; fails the listeners the test names.
actor RecordingProxyServer: ProxyTableServing {
  private(set) var applied: [ProxyTable] = []
  private var current = ProxyTable()
  var failing: Set<ListenAddress> = []
  var shutdowns = 0
  var stats = ProxyStatistics()

  func failNext(_ addresses: Set<ListenAddress>) { failing = addresses }

  func apply(_ table: ProxyTable) async -> ProxyApplyReport {
    applied.append(table)
    let old = Set(current.ports.values.flatMap(\.listeners.keys))
    let new = Set(table.ports.values.flatMap(\.listeners.keys))
    current = table
    var report = ProxyApplyReport(opened: new.subtracting(old).sorted(), closed: old.subtracting(new).sorted())
    for a in failing where new.contains(a) { report.failed[a] = "bind: Address already in use" }
    failing = []
    return report
  }

  func statistics() async -> ProxyStatistics { stats }
  func shutdown() async { shutdowns += 1 }
}

/// Records the service IPs it is asked to bind.
actor RecordingBinder: ServiceIPBinding {
  private(set) var bound: [IPAddress] = []
  private(set) var removed = false
  func bind(_ ips: [IPAddress]) async throws { bound = ips }
  func remove() async { removed = true }
}

@Suite struct UserspaceModeTests {
  static let context = SyncContext(number: 1, cause: "test", date: Date(timeIntervalSince1970: 0))

  @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6, 7, 8])
  func appliedTableAlwaysMatchesTheFullState(seed: UInt64) async throws {
    var rng = SeededRandom(seed: seed)
    let server = RecordingProxyServer()
    let options = ListenerPlanOptions(localAddresses: [IPAddress("192.0.2.10")!], bindServiceIPs: seed % 2 == 0)
    let mode = UserspaceMode(server: server, options: options)
    var ports: [ServicePortKey: ServicePortInfo] = [:]
    var node = ProxyStateGenerator.nodes[0]
    var failedBefore = false
    for step in 0..<40 {
      var changes: ProxyChanges
      if step == 0 || rng.chance(0.1) {
        node = ProxyStateGenerator.nodes.randomElement(using: &rng)!
        ports = ProxyStateGenerator.step(ports, &rng).new
        changes = ProxyChanges(node: node, full: ProxyStateGenerator.state(ports))
      } else if rng.chance(0.15) {
        changes = ProxyChanges(node: node)
      } else {
        let (new, changed, removed) = ProxyStateGenerator.step(ports, &rng)
        ports = new
        changes = ProxyChanges(node: node, changed: changed, removed: removed)
      }
      let expected = ListenerPlan(Array(ports.values), node: node, options: UserspaceMode.options(options, node)).table
      let willApply = step == 0 || failedBefore || !changes.isEmpty
      let fail = willApply && rng.chance(0.15) ? expected.ports.values.flatMap(\.listeners.keys).min() : nil
      if let fail { await server.failNext([fail]) }
      let appliedBefore = await server.applied.count
      do {
        let report = try await mode.sync(changes, cause: .changes, context: Self.context)
        #expect(fail == nil, "seed \(seed) step \(step): a failed listener must fail the sync")
        #expect(report.full == (step == 0 || changes.full != nil || failedBefore))
      } catch let e as UserspaceListenError {
        let fail = try #require(fail, "seed \(seed) step \(step): \(e)")
        #expect(e.description.hasPrefix("cannot listen on \(fail) ("), "\(e)")
      }
      let applied = await server.applied
      if !willApply {
        #expect(applied.count == appliedBefore, "seed \(seed) step \(step): nothing changed, nothing applied")
      } else {
        #expect(applied.last == expected, "seed \(seed) step \(step)")
      }
      #expect(await mode.table == expected)
      failedBefore = fail != nil
    }
  }

  @Test func emptySyncAfterAFailureReapplies() async throws {
    let server = RecordingProxyServer()
    let mode = UserspaceMode(server: server, options: ListenerPlanOptions())
    var rng = SeededRandom(seed: 42)
    let ports = ProxyStateGenerator.step([:], &rng).new
    let node = ProxyStateGenerator.nodes[0]
    let table = ListenerPlan(Array(ports.values), node: node, options: ListenerPlanOptions()).table
    let victim = try #require(table.ports.values.flatMap(\.listeners.keys).min())
    await server.failNext([victim])
    await #expect(throws: UserspaceListenError.self) {
      try await mode.sync(ProxyChanges(node: node, full: ProxyStateGenerator.state(ports)), cause: .changes, context: Self.context)
    }
    let report = try await mode.sync(ProxyChanges(node: node), cause: .retry(failures: 1), context: Self.context)
    #expect(report.full)
    #expect(await server.applied.count == 2)
    #expect(await server.applied.last == table)
    _ = try await mode.sync(ProxyChanges(node: node), cause: .periodic, context: Self.context)
    #expect(await server.applied.count == 2)
  }

  @Test func bindsServiceIPsAndSavesAssignments() async throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kproxy-mode-\(UUID())").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let server = RecordingProxyServer()
    let binder = RecordingBinder()
    let store = PortAssignmentStore(directory: dir)
    let options = ListenerPlanOptions(listenAddress: IPAddress("127.0.0.1")!, portRange: 40000...40100, lowestBindablePort: 1024)
    let mode = UserspaceMode(server: server, options: options, store: store, binder: binder)
    let name = ServicePortName(service: NamespacedName(namespace: "default", name: "web"), port: "", protocol_: .tcp)
    let info = ServicePortInfo(
      name: name, family: .v4, clusterIP: IPAddress("10.96.0.10")!, port: 80, externalIPs: [IPAddress("192.0.2.1")!])
    let node = ProxyStateGenerator.nodes[0]
    _ = try await mode.sync(ProxyChanges(node: node, full: ProxyState(servicePorts: [info])), cause: .changes, context: Self.context)
    #expect(await binder.bound.map(\.description) == ["10.96.0.10", "192.0.2.1"])
    #expect(store.load().ports == ["default/web/TCP": 40000])
    #expect(await mode.reassigned[name] == "port 80 is below 1024, the lowest this process may bind")
    #expect(
      await mode.warnings == ["default/web/TCP listens on 127.0.0.1:40000/TCP: port 80 is below 1024, the lowest this process may bind"])
    // A restarted mode reads the file.
    let again = UserspaceMode(server: RecordingProxyServer(), options: options, store: PortAssignmentStore(directory: dir))
    let other = ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: "default", name: "a"), port: "", protocol_: .tcp), family: .v4,
      clusterIP: IPAddress("10.96.0.11")!, port: 81)
    _ = try await again.sync(
      ProxyChanges(node: node, full: ProxyState(servicePorts: [other, info])), cause: .changes, context: Self.context)
    #expect(await again.table.ports[name]?.listeners.keys.map(\.port) == [40000])
    await mode.shutdown()
    #expect(await server.shutdowns == 1)
    #expect(await binder.removed)
  }

  @Test func warningsAreReportedOnceUntilTheyChange() async throws {
    let logged = Mutex<[String]>([])
    let mode = UserspaceMode(
      server: RecordingProxyServer(), options: ListenerPlanOptions(), onWarnings: { new in logged.withLock { $0 += new } })
    let sctp = ServicePortInfo(
      name: ServicePortName(service: NamespacedName(namespace: "default", name: "s"), port: "", protocol_: .sctp), family: .v4,
      clusterIP: IPAddress("10.96.0.20")!, port: 9)
    let node = ProxyStateGenerator.nodes[0]
    _ = try await mode.sync(ProxyChanges(node: node, full: ProxyState(servicePorts: [sctp])), cause: .changes, context: Self.context)
    var changed = sctp
    changed.endpoints = [
      EndpointInfo(ip: IPAddress("10.244.0.9")!, port: 9, isLocal: false, ready: true, serving: true, terminating: false)
    ]
    _ = try await mode.sync(ProxyChanges(node: node, changed: [changed]), cause: .changes, context: Self.context)
    #expect(logged.withLock { $0 } == ["default/s/SCTP: SCTP is not proxied in userspace mode; skipped"])
  }
}

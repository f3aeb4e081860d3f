// The userspace proxy's socket runtime: applies ProxyTables one at a time (opens, re-routes and
// drains listeners; keeps one balancer per service-port scope), TCP on the relay's event loops and
// UDP on a NIO event-loop group, and counts.
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import ServiceProxy
import TCPRelay

/// Serves ProxyTables: TCP through TCPRelay (epoll loops, two sockets and no channel objects per
/// connection), UDP with SwiftNIO. Concurrent `apply` calls run one after the other, in call order.
public final class ProxyServer: ProxyTableServing {
  private struct BalancerKey: Hashable {
    var name: ServicePortName
    var scope: ListenerScope
  }

  private struct State {
    var listeners: [ListenAddress: ServiceListener] = [:]
    var balancers: [BalancerKey: EndpointBalancer] = [:]
    var counters: [ServicePortName: ServicePortCounterCell] = [:]
    /// Removed listeners still draining, with their service port's counters.
    var draining: [ObjectIdentifier: (ServiceListener, ServicePortName, ServicePortCounterCell)] = [:]
    var isShutDown = false
  }

  public let settings: ProxySettings
  private let group: MultiThreadedEventLoopGroup
  private let loops: ProxyLoops
  /// The TCP relay, or why it could not start (every TCP listener then fails to open with it).
  private let relay: Result<RelayEngine, RelayError>
  private let wide: ProxyWideCounters
  private let state = NIOLockedValueBox(State())
  /// The last apply called, which the next one waits for.
  private let lastApply = NIOLockedValueBox<Task<Void, Never>?>(nil)

  public init(settings: ProxySettings = ProxySettings()) {
    self.settings = settings
    self.group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, settings.threads))
    self.loops = ProxyLoops(group: group)
    self.wide = ProxyWideCounters(limit: settings.maxConnections)
    do {
      self.relay = .success(try RelayEngine(threads: max(1, settings.threads), settings: settings.relaySettings))
    } catch let error as RelayError {
      self.relay = .failure(error)
    } catch {
      self.relay = .failure(RelayError(operation: "start", object: "TCP relay", code: 0))
    }
  }

  public func apply(_ table: ProxyTable) async -> ProxyApplyReport {
    await enqueue(table).value
  }

  /// Takes `table`'s place in the order of applies at once (synchronously) and returns its run,
  /// which starts when every apply enqueued before it has finished.
  func enqueue(_ table: ProxyTable) -> Task<ProxyApplyReport, Never> {
    lastApply.withLockedValue { last -> Task<ProxyApplyReport, Never> in
      let previous = last
      let run = Task { [self] in
        await previous?.value
        return await applyNow(table)
      }
      last = Task { _ = await run.value }
      return run
    }
  }

  /// One apply; `apply` makes sure that no other runs meanwhile.
  private func applyNow(_ table: ProxyTable) async -> ProxyApplyReport {
    var report = ProxyApplyReport()
    var toOpen: [ServiceListener] = []
    var toDrain: [ServiceListener] = []
    state.withLockedValue { state in
      guard !state.isShutDown else { return }
      var wanted: [ListenAddress: ListenerRoute] = [:]
      var balancers: [BalancerKey: EndpointBalancer] = [:]
      var counters: [ServicePortName: ServicePortCounterCell] = [:]
      for (name, port) in table.ports {
        let cell = state.counters[name] ?? ServicePortCounterCell(loops: shardCount)
        counters[name] = cell
        let affinity = port.affinityTimeoutSeconds.map { TimeAmount.seconds(Int64($0)) }
        for (address, scope) in port.listeners {
          let key = BalancerKey(name: name, scope: scope)
          let balancer: EndpointBalancer
          if let made = balancers[key] {
            balancer = made
          } else if let existing = state.balancers[key] {
            existing.update(choice: port.endpoints(for: scope), affinityTimeout: affinity)
            balancer = existing
          } else {
            balancer = EndpointBalancer(choice: port.endpoints(for: scope), affinityTimeout: affinity, settings: settings)
          }
          balancers[key] = balancer
          wanted[address] = ListenerRoute(name: name, balancer: balancer, counters: cell)
        }
      }
      for (address, listener) in state.listeners where wanted[address] == nil {
        state.listeners[address] = nil
        state.draining[ObjectIdentifier(listener)] = (listener, listener.route.name, listener.route.counters)
        toDrain.append(listener)
        report.closed.append(address)
      }
      for (address, route) in wanted {
        if let listener = state.listeners[address] {
          listener.route = route
        } else {
          toOpen.append(ServiceListener(address: address, route: route, loops: loops))
        }
      }
      state.balancers = balancers
      state.counters = counters
    }
    for listener in toDrain {
      await listener.stopAccepting()
      Task { [settings, state] in
        let closed = await listener.drain(grace: settings.drainGracePeriod)
        _ = state.withLockedValue { $0.draining.removeValue(forKey: ObjectIdentifier(listener)) }
        settings.events?(.drained(listener.address, closedConnections: closed))
      }
    }
    for listener in toOpen.sorted(by: { $0.address < $1.address }) {
      do {
        if listener.address.transport == .udp {
          listener.channel = try await ListenerSocket.openUDP(listener, group: group, settings: settings)
        } else {
          let engine = try relay.get()
          let socket = try ListenerSocket.openTCP(
            listener, relay: engine, settings: settings, wide: wide, shardOffset: loops.all.count)
          listener.relay = (engine, socket)
        }
        let kept = state.withLockedValue { state -> Bool in
          guard !state.isShutDown else { return false }
          state.listeners[listener.address] = listener
          return true
        }
        if !kept { await listener.closeAll() } else { report.opened.append(listener.address) }
      } catch let error as RelayError {
        report.failed[listener.address] = "\(error)"
      } catch {
        report.failed[listener.address] = "bind: \(error)"
      }
    }
    report.closed.sort()
    return report
  }

  public func statistics() async -> ProxyStatistics {
    let cells = state.withLockedValue { state in
      // A draining listener's port that is live again shares its cell; the live entry wins.
      var cells: [ServicePortName: ServicePortCounterCell] = [:]
      for (_, name, cell) in state.draining.values { cells[name] = cell }
      for (name, cell) in state.counters { cells[name] = cell }
      return cells.map { ($0.key, $0.value) }
    }
    var parts: [[ServicePortCounters]] = Array(repeating: [], count: cells.count)
    for loop in loops.all {
      let read: @Sendable () -> [ServicePortCounters] = { cells.map { $0.1.counters(ofShard: loop.index) } }
      let shard = await loop.run(read, ifGone: read())
      for index in shard.indices { parts[index].append(shard[index]) }
    }
    if case .success(let engine) = relay {
      for relayLoop in 0..<engine.threads {
        let shardIndex = loops.all.count + relayLoop
        let read: @Sendable () -> [ServicePortCounters] = { cells.map { $0.1.counters(ofShard: shardIndex) } }
        let shard = await engine.run(onLoop: relayLoop, read) ?? read()
        for index in shard.indices { parts[index].append(shard[index]) }
      }
    }
    var ports: [ServicePortName: ServicePortCounters] = [:]
    for (index, (name, _)) in cells.enumerated() { ports[name] = ServicePortCounterCell.sum(parts[index]) }
    return ProxyStatistics(
      servicePorts: ports, connectionLimitHits: wide.connectionLimitHits, acceptErrors: wide.acceptErrors)
  }

  public func shutdown() async {
    let listeners = state.withLockedValue { state -> [ServiceListener] in
      state.isShutDown = true
      defer {
        state.listeners = [:]
        state.draining = [:]
      }
      return Array(state.listeners.values) + state.draining.values.map(\.0)
    }
    for listener in listeners { await listener.closeAll() }
    if case .success(let engine) = relay { await engine.shutdown(closing: []) }
    try? await group.shutdownGracefully()
  }

  /// The address a listener is bound to (its port when the table asked for port 0); for tests.
  func boundAddress(of address: ListenAddress) -> SocketAddress? {
    state.withLockedValue { $0.listeners[address] }?.boundAddress
  }

  /// Counter shards per service port: one per NIO loop, then one per relay loop.
  private var shardCount: Int {
    loops.all.count + ((try? relay.get().threads) ?? 0)
  }
}

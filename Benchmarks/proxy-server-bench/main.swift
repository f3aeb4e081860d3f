// proxy-server-bench LISTEN BACKEND1 BACKEND2 BACKEND3: runs ProxyServer with one TCP service port
// (LISTEN → the backends, round robin) in the foreground until SIGTERM/SIGINT, for proxy_bench.sh.
// PROXY_THREADS: event loops (1). PROXY_CHURN_MS: every that many ms, apply a table whose endpoints
// leave out the next backend in turn (endpoint changes under load; needs 2+ backends).
import Foundation
import KubeAPI
import NetAddress
import ServiceProxy
import UserspaceProxy

#if canImport(Glibc)
  import Glibc
#endif

func parseHostPort(_ text: String) -> (IPAddress, Int)? {
  guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]) else { return nil }
  var host = String(text[..<colon])
  if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
  guard let ip = IPAddress(host) else { return nil }
  return (ip, port)
}

let arguments = Array(CommandLine.arguments.dropFirst())
guard arguments.count >= 2, let listen = parseHostPort(arguments[0]) else {
  FileHandle.standardError.write(Data("usage: proxy-server-bench LISTEN BACKEND... (ip:port)\n".utf8))
  exit(2)
}
var backends: [ProxyEndpoint] = []
for text in arguments.dropFirst() {
  guard let (ip, port) = parseHostPort(text), let port = UInt16(exactly: port) else {
    FileHandle.standardError.write(Data("proxy-server-bench: bad backend \(text)\n".utf8))
    exit(2)
  }
  backends.append(ProxyEndpoint(address: ip, port: port))
}
let threads = Int(ProcessInfo.processInfo.environment["PROXY_THREADS"] ?? "") ?? 1
let name = ServicePortName(service: NamespacedName(namespace: "bench", name: "proxy"), port: "", protocol_: .tcp)
let churnMilliseconds = Int(ProcessInfo.processInfo.environment["PROXY_CHURN_MS"] ?? "") ?? 0

/// The bench's one service port over `endpoints`.
func table(_ endpoints: [ProxyEndpoint]) -> ProxyTable {
  let choice = EndpointChoice(endpoints: endpoints.sorted())
  return ProxyTable(ports: [
    name: ProxiedServicePort(
      name: name, listeners: [ListenAddress(ip: listen.0, port: listen.1, transport: .tcp): .internal],
      internalEndpoints: choice, externalEndpoints: choice, affinityTimeoutSeconds: nil)
  ])
}
let server = ProxyServer(
  settings: ProxySettings(
    threads: threads,
    events: { event in FileHandle.standardError.write(Data("proxy-server-bench: \(event)\n".utf8)) }))
let report = await server.apply(table(backends))
if !report.failed.isEmpty {
  FileHandle.standardError.write(Data("proxy-server-bench: \(report.failed)\n".utf8))
  exit(1)
}
FileHandle.standardError.write(Data("proxy-server-bench: listening on \(arguments[0])\n".utf8))
let churn: Task<Void, Never>? =
  churnMilliseconds > 0 && backends.count > 1
  ? Task {
    var round = 0
    while !Task.isCancelled {
      try? await Task.sleep(for: .milliseconds(churnMilliseconds))
      round += 1
      var endpoints = backends
      endpoints.remove(at: round % backends.count)
      _ = await server.apply(table(endpoints))
    }
    FileHandle.standardError.write(Data("proxy-server-bench: \(round) endpoint changes applied\n".utf8))
  } : nil
signal(SIGTERM, SIG_IGN)
signal(SIGINT, SIG_IGN)
signal(SIGPIPE, SIG_IGN)
let (stop, stopContinuation) = AsyncStream.makeStream(of: Void.self)
var signalSources: [any DispatchSourceSignal] = []
for signalNumber in [SIGTERM, SIGINT] {
  let source = DispatchSource.makeSignalSource(signal: signalNumber)
  source.setEventHandler { stopContinuation.yield() }
  source.resume()
  signalSources.append(source)
}
for await _ in stop { break }
churn?.cancel()
await churn?.value
await server.shutdown()

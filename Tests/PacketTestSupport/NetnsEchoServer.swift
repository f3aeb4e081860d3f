// Echo servers in pod namespaces (fixtures/tools/echo.py): started in the background, waited
// for until they answer, and stopped by the topology's cleanup.
import Foundation

public enum EchoServer {
  /// Starts a TCP+UDP echo server on `ip`:`port` inside `pod`'s namespace and waits (at most
  /// `readyWithin` seconds) until it answers a TCP connection made from inside the pod.
  public static func start(in topology: Topology, pod: PodNamespace, ip: String, port: Int, readyWithin: Double = 10) throws {
    let process = try topology.spawn(in: pod.namespace, ["python3", PacketTestPaths.echoServer, "--bind", ip, "--port", String(port)])
    let deadline = Date().addingTimeInterval(readyWithin)
    while Date() < deadline {
      if !process.isRunning {
        throw CommandFailure(description: "echo server \(ip):\(port) in \(pod.namespace) exited with status \(process.terminationStatus)")
      }
      let attempts = try TrafficClient.send(in: topology, from: pod.namespace, .tcp, to: ip, port: port, count: 1, timeout: 0.5)
      if attempts.first?.reply != nil { return }
      usleep(50_000)
    }
    throw CommandFailure(description: "echo server \(ip):\(port) in \(pod.namespace) did not answer within \(readyWithin) s")
  }

  /// Starts echo servers on `port` for both addresses of every pod in `pods`.
  public static func startAll(in topology: Topology, pods: [PodNamespace], port: Int, ipv6: Bool = false) throws {
    for pod in pods {
      try start(in: topology, pod: pod, ip: pod.ipv4, port: port)
      if ipv6 { try start(in: topology, pod: pod, ip: pod.ipv6, port: port) }
    }
  }
}

// Building and removing a sandbox's namespaces: the node (forwarding, routes to every pod), the
// outside client (the node's upstream, which refuses to forward anything further), one namespace
// per pod IP and a client pod per family; and the teardown that works from the marker alone.
import Foundation

public enum SandboxNetwork {
  /// Creates every namespace and link of `plan`. On failure the caller removes what exists.
  public static func build(_ plan: SandboxPlan) throws(SandboxError) {
    for ns in plan.namespaces {
      try SandboxShell.run(["ip", "netns", "add", ns])
      try configureKernel(ns, forwarding: ns == plan.node || ns == plan.outside)
    }
    let v4 = plan.nodeIPs.first { !$0.contains(":") }
    let v6 = plan.nodeIPs.first { $0.contains(":") }
    let out4 = plan.outsideIPs.first { !$0.contains(":") }
    let out6 = plan.outsideIPs.first { $0.contains(":") }
    let gw4 = plan.gateways.first { !$0.contains(":") }
    let gw6 = plan.gateways.first { $0.contains(":") }
    var node = ["link set lo up", "link add out type veth peer name eth0 netns \(plan.outside)", "link set out up"]
    var outside = ["link set lo up", "link set eth0 up"]
    if let v4, let out4 {
      node += ["addr add \(v4)/24 dev out", "route add default via \(out4) dev out"]
      outside += ["addr add \(out4)/24 dev eth0", "route add default via \(v4) dev eth0"]
    }
    if let v6, let out6 {
      node += ["addr add \(v6)/64 dev out nodad", "route add default via \(out6) dev out"]
      outside += ["addr add \(out6)/64 dev eth0 nodad", "route add default via \(v6) dev eth0"]
    }
    // A pod holds its address (and, for a dual-stack pod, one of the other family); the node's
    // end of its link holds the gateway of each family, with a host route to each pod address.
    for pod in plan.pods + plan.clients {
      node += ["link add \(pod.link) type veth peer name eth0 netns \(pod.namespace)", "link set \(pod.link) up"]
      for ip in pod.addresses {
        let six = ip.contains(":")
        guard let gw = six ? gw6 : gw4 else { continue }
        node += [
          "addr add \(gw)/\(six ? 128 : 32) dev \(pod.link)\(six ? " nodad" : "")",
          "route add \(ip)/\(six ? 128 : 32) dev \(pod.link) src \(gw)",
        ]
      }
    }
    try SandboxShell.ipBatch(plan.node, node)
    for pod in plan.pods + plan.clients {
      var commands = ["link set lo up", "link set eth0 up"]
      for ip in pod.addresses {
        let six = ip.contains(":")
        guard let gw = six ? gw6 : gw4 else { continue }
        commands += [
          "addr add \(ip)/\(six ? 128 : 32) dev eth0\(six ? " nodad" : "")", "route add default via \(gw) dev eth0 onlink",
        ]
      }
      try SandboxShell.ipBatch(pod.namespace, commands)
    }
    try SandboxShell.ipBatch(plan.outside, outside)
    // The outside namespace is the node's upstream router: it answers anything it is asked to
    // forward with "host unreachable", so traffic the node lets out fails fast and visibly.
    try SandboxShell.run([
      "ip", "netns", "exec", plan.outside, "nft",
      "add table inet upstream { chain forward { type filter hook forward priority 0; policy accept; reject with icmpx type host-unreachable; }; }",
    ])
  }

  /// Forwarding on the node; no reverse-path filter, no ICMP rate limits (a rate-limited REJECT
  /// would look like a DROP) and no IPv6 duplicate address detection.
  private static func configureKernel(_ ns: String, forwarding: Bool) throws(SandboxError) {
    var settings = [
      "net.ipv4.conf.all.rp_filter=0", "net.ipv4.conf.default.rp_filter=0", "net.ipv4.icmp_ratelimit=0", "net.ipv6.icmp.ratelimit=0",
      "net.ipv4.icmp_ratemask=0", "net.ipv6.conf.all.accept_dad=0", "net.ipv6.conf.default.accept_dad=0",
    ]
    if forwarding { settings += ["net.ipv4.ip_forward=1", "net.ipv6.conf.all.forwarding=1"] }
    try SandboxShell.run(["ip", "netns", "exec", ns, "sysctl", "-q", "-w"] + settings)
  }

  /// The namespaces of sandbox `name` (of every sandbox for nil) that exist now.
  public static func namespaces(of name: String?) -> [String] {
    SandboxShell.namespaces().filter { SandboxNames.belongs($0, to: name) }
  }

  /// Removes sandbox `name` (every sandbox for nil): stops every process inside its namespaces,
  /// deletes them, and removes its state; found by the namespace marker, so it works after a crash.
  /// Returns the namespaces removed.
  @discardableResult
  public static func remove(_ name: String?) -> [String] {
    let mine = namespaces(of: name)
    for ns in mine {
      let pids = ((try? SandboxShell.run(["ip", "netns", "pids", ns], check: false)) ?? "").split(separator: "\n").compactMap { Int32($0) }
      for pid in pids { kill(pid, SIGKILL) }
    }
    for ns in mine { _ = try? SandboxShell.run(["ip", "netns", "delete", ns], check: false) }
    let dir = SandboxNames.stateDirectory
    for file in (try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [] {
      let sandbox = String(file.split(separator: ".").first ?? "")
      if name == nil || sandbox == name { try? FileManager.default.removeItem(atPath: "\(dir)/\(file)") }
    }
    return mine
  }
}

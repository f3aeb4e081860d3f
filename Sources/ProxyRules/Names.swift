// Every table, chain, set and map name the compiler can produce, and how per-service names
// are derived. This is the naming contract of kproxy's ruleset (see ARCHITECTURE.md).
//
// Tables: `ip kproxy` and `ip6 kproxy`, each only when the node serves that family (an IP,
// pod or service CIDR, or service port of it; `ip` alone when none is known); the other is
// deleted if present (`RulesetCompiler.servedFamilies`, `Ruleset.absentTables`).
// Fixed names, in both tables:
//   base chains  filter-prerouting, filter-input, filter-forward, filter-output,
//                filter-output-post-dnat, nat-prerouting, nat-output, nat-postrouting
//   chains       services, masquerading, firewall-check, service-endpoints-check,
//                nodeport-endpoints-check, cluster-ips-check, reject-chain
//   sets         cluster-ips, nodeport-ips, cluster-cidrs, firewall-ips, firewall-allow, hairpin
//   maps         service-ips, service-nodeports, no-endpoint-services, no-endpoint-nodeports
// With --counters (NodeConfig.counters), also:
//   maps         service-counters (address . protocol . port : counter),
//                nodeport-counters (protocol . port : counter)
// Endpoint pickers (EndpointPicker.swift), for each endpoint count N and group of eight
// counts LO-HI (1to8, 9to16, ...) in use:
//   chains       pick-endpoint, pick-local-endpoint, pick-nodeport-endpoint,
//                pick-nodeport-local-endpoint, and each of them followed by -N and -LOtoHI
//   maps         endpoints-N, local-endpoints-N, nodeport-endpoints-N, nodeport-local-endpoints-N
//   sets         the same names followed by -LOtoHI instead of -N
// Per service port (BASE = HASH-namespace/name/protocol/portname, HASH = first 8 base32
// characters of SHA-256 of the rest, exactly as kube-proxy names its chains):
//   service-BASE   endpoints under the Cluster policy (without affinity: only for external
//                  traffic, handing over to the pickers)
//   local-BASE     endpoints on this node, under the Local policy
//   external-BASE  entry point for NodePort, LoadBalancer and externalIP traffic
//   counter-BASE   (a counter object, with --counters) packets and bytes sent to the service
//                  port's destinations, commented `namespace/name:port`
// Per endpoint of a ClientIP-affinity service port (EBASE = HASH-namespace/name/protocol/
// portname__ip/port, IPv6 colons written as dots):
//   affinity-EBASE client addresses recently sent to that endpoint
// Lengths at Kubernetes' maxima (namespace 63, name 63, port name 63, IPv6 endpoint): BASE and
// EBASE are cut to 240 bytes with "..." (the hash keeps them unique), so every name stays under
// nft's NFT_NAME_MAXLEN (255 bytes). Element comments name the service port
// (`namespace/name:port`, up to 191 bytes) and are shortened to nft's 128 bytes by `comment`.
import KubeAPI
import NFTables
import NetAddress
import ServiceProxy

public enum Names {
  public static let table = "kproxy"
  public static let tableComment = "rules for kproxy"

  public static let services = "services"
  public static let masquerading = "masquerading"
  public static let firewallCheck = "firewall-check"
  public static let serviceEndpointsCheck = "service-endpoints-check"
  public static let nodePortEndpointsCheck = "nodeport-endpoints-check"
  public static let clusterIPsCheck = "cluster-ips-check"
  public static let rejectChain = "reject-chain"

  public static let clusterIPsSet = "cluster-ips"
  public static let nodePortIPsSet = "nodeport-ips"
  public static let clusterCIDRsSet = "cluster-cidrs"
  public static let firewallIPsSet = "firewall-ips"
  public static let firewallAllowSet = "firewall-allow"
  public static let hairpinSet = "hairpin"
  public static let serviceIPsMap = "service-ips"
  public static let serviceNodePortsMap = "service-nodeports"
  public static let noEndpointServicesMap = "no-endpoint-services"
  public static let noEndpointNodePortsMap = "no-endpoint-nodeports"
  public static let serviceCountersMap = "service-counters"
  public static let nodePortCountersMap = "nodeport-counters"

  /// The masquerade bit in the packet mark (kube-proxy's default `masqueradeBit` 14).
  public static let masqueradeMark: UInt32 = 0x4000

  /// Longest per-service name suffix (kube-proxy: NameLengthMax 256 minus a 16-byte prefix).
  static let baseLengthMax = 240

  /// `HASH-name`, truncated with "..." to `baseLengthMax`.
  static func hashAndTruncate(_ name: String) -> String {
    let encoded = SHA256.base32(SHA256.digest(Array(name.utf8)))
    var out = String(encoded.prefix(8)) + "-" + name
    if out.utf8.count > baseLengthMax {
      out = String(out.utf8.prefix(baseLengthMax - 3))! + "..."
    }
    return out
  }

  /// `HASH-namespace/name/protocol/portname`.
  public static func servicePortBase(_ name: ServicePortName) -> String {
    hashAndTruncate("\(name.service.namespace)/\(name.service.name)/\(name.protocol_.lowercased)/\(name.port)")
  }

  /// `HASH-namespace/name/protocol/portname__ip/port`.
  public static func endpointBase(_ name: ServicePortName, _ ep: EndpointInfo) -> String {
    let ip = ep.ip.description.replacingColons()
    return hashAndTruncate("\(name.service.namespace)/\(name.service.name)/\(name.protocol_.lowercased)/\(name.port)__\(ip)/\(ep.port)")
  }

  /// The comment on elements a service port claims: `namespace/name:port`, shortened by
  /// `comment(_:)` when longer than nft allows.
  public static func comment(_ name: ServicePortName) -> String { comment(name.description) }

  /// `text` if nft accepts it as a comment (at most 128 bytes); else its first bytes, "...",
  /// and the first 8 base32 characters of SHA-256 of the whole text, 128 bytes in all:
  /// deterministic, and distinct for distinct texts with the same beginning.
  public static func comment(_ text: String) -> String {
    let max = Identifier.maxCommentLength
    guard text.utf8.count > max else { return text }
    let hash = String(SHA256.base32(SHA256.digest(Array(text.utf8))).prefix(8))
    let keep = max - 3 - hash.utf8.count
    // Comments are ASCII (KubeAPI validates names), so a byte prefix is a character prefix.
    return String(decoding: text.utf8.prefix(keep), as: UTF8.self) + "..." + hash
  }

  public static func clusterChain(_ base: String) -> String { "service-" + base }
  public static func localChain(_ base: String) -> String { "local-" + base }
  public static func externalChain(_ base: String) -> String { "external-" + base }
  public static func affinitySet(_ endpointBase: String) -> String { "affinity-" + endpointBase }
  public static func counter(_ base: String) -> String { "counter-" + base }
}

extension String {
  func replacingColons() -> String {
    String(decoding: utf8.map { $0 == UInt8(ascii: ":") ? UInt8(ascii: ".") : $0 }, as: UTF8.self)
  }
}

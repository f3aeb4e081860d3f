// CIDRs used by the synthetic benchmark node.
import NetAddress

enum IPPrefixLiteral {
  static let podCIDR = IPPrefix("10.0.0.0/8")!
  static let serviceCIDR = IPPrefix("172.16.0.0/12")!
}

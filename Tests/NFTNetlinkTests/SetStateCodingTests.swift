// The set state file's format: every kind of value and element data round-trips, and a file
// cut short, with a flipped byte, or of another format is refused (pure; no kernel).
import Foundation
import NFTNetlink
import NFTables
import NetAddress
import Testing

@Suite struct SetStateCodingTests {
  static let elements: [Element] = [
    Element([.address(.v4(IPv4Address(0x0a00_0001))), .proto(.tcp), .port(80)], data: .verdict(.goto("svc-1"))),
    Element([.address(IPAddress("2001:db8::1")!), .port(443)], data: .values([.address(IPAddress("fd00::5")!), .port(8443)])),
    Element([.prefix(IPPrefix("10.244.0.0/16")!)], comment: "cluster CIDR"),
    Element([.prefix(IPPrefix("2001:db8::/64")!)]),
    Element([.integer(7)], data: .verdict(.jump("endpoint-x"))),
    Element([.ctState(.established)], data: .verdict(.accept)),
    Element([.ctStatus(.dnat)], data: .verdict(.drop)),
    Element([.fibType(.local)], data: .verdict(.return_)),
    Element([.proto(.sctp), .proto(.udp)], comment: "ünïcode comment"),
    Element([.address(.v4(IPv4Address(0x0a00_0002))), .proto(.tcp), .port(443)], data: .object("counter-ABCDEFGH-ns/web/tcp/https")),
  ]

  static var state: SetState {
    SetState(
      bootID: "6a1e0c1e-0000-4000-8000-000000000001", namespaceCookie: 4096, generation: 0xffff_fffe,
      tables: [
        TableRef(family: .ip, name: "kproxy"): ["a": elements, "empty": []],
        TableRef(family: .ip6, name: "kproxy"): ["b": Array(elements.reversed())],
      ])
  }

  @Test func everyValueRoundTrips() throws {
    #expect(try SetStateCoding.decode(SetStateCoding.encode(Self.state)) == Self.state)
  }

  @Test func damageIsRefused() throws {
    let bytes = SetStateCoding.encode(Self.state)
    for i in stride(from: 0, to: bytes.count, by: 7) {
      var flipped = bytes
      flipped[i] ^= 0x20
      #expect(throws: SetStateFormatError.self) { try SetStateCoding.decode(flipped) }
    }
    for n in [0, 8, 20, bytes.count / 2, bytes.count - 1] {
      #expect(throws: SetStateFormatError.self) { try SetStateCoding.decode(Array(bytes.prefix(n))) }
    }
    #expect(throws: SetStateFormatError.self) { try SetStateCoding.decode(bytes + [0]) }
  }
}

// Parsing and canonical formatting of IPv4/IPv6 addresses and prefixes.
import NetAddress
import Testing

@Suite struct IPAddressTests {
  @Test(arguments: [
    ("10.0.0.1", "10.0.0.1"), ("255.255.255.255", "255.255.255.255"), ("0.0.0.0", "0.0.0.0"),
    ("fd00::1", "fd00::1"), ("FD00:0:0:0:0:0:0:1", "fd00::1"), ("::", "::"), ("::1", "::1"),
    ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"), ("2001:0db8:0000:0000:0000:ff00:0042:8329", "2001:db8::ff00:42:8329"),
    ("1:0:0:0:0:0:0:0", "1::"), ("::ffff:1.2.3.4", "::ffff:1.2.3.4"), ("1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"),
    ("1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"), ("64:ff9b::10.0.0.1", "64:ff9b::a00:1"),
  ])
  func parsesAndFormats(input: String, canonical: String) {
    #expect(IPAddress(input)?.description == canonical)
  }

  @Test(arguments: [
    "", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1.2.3.04", "1..2.3", "a.b.c.d", " 1.2.3.4", "1.2.3.4 ",
    ":::", "1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "fe80::1%eth0", "g::1", "1:2:3:4:5:6:7", ":1::", "1::2:",
    "1.2.3.4/8", "::ffff:1.2.3", "-1.2.3.4",
  ])
  func rejects(input: String) {
    #expect(IPAddress(input) == nil)
  }

  @Test func prefixes() throws {
    let p = try #require(IPPrefix("10.1.2.3/8"))
    #expect(p.description == "10.0.0.0/8")
    #expect(IPPrefix("10.1.2.3/8", strict: true) == nil)
    #expect(p.contains(IPAddress("10.255.0.1")!))
    #expect(!p.contains(IPAddress("11.0.0.1")!))
    #expect(!p.contains(IPAddress("::1")!))
    #expect(IPPrefix("fd00::/64")?.contains(IPAddress("fd00::5")!) == true)
    #expect(IPPrefix("fd00:1:2:3:4::/64")?.description == "fd00:1:2:3::/64")
    #expect(IPPrefix("0.0.0.0/0")?.contains(IPAddress("8.8.8.8")!) == true)
    #expect(IPPrefix("10.0.0.0/33") == nil)
    #expect(IPPrefix("10.0.0.0/08") == nil)
    #expect(IPPrefix("10.0.0.0") == nil)
    #expect(IPPrefix("10.0.0.0/24")?.lastAddress.description == "10.0.0.255")
  }

  @Test func kubernetesReadsIPv4MappedAsIPv4() {
    #expect(IPAddress(kubernetes: "::ffff:1.2.3.4") == IPAddress("1.2.3.4"))
    #expect(IPAddress(kubernetes: "::ffff:102:304") == IPAddress("1.2.3.4"))
    #expect(IPAddress(kubernetes: "::1.2.3.4")?.family == .v6)
    #expect(IPAddress(kubernetes: "64:ff9b::1.2.3.4")?.family == .v6)
    // Leading zeros are decimal, as ParseIPSloppy reads them; strict parsing refuses them.
    #expect(IPAddress(kubernetes: "010.001.2.0003") == IPAddress("10.1.2.3"))
    #expect(IPAddress(kubernetes: "::ffff:010.0.0.1") == IPAddress("10.0.0.1"))
    #expect(IPAddress("010.0.0.1") == nil)
    #expect(IPAddress(kubernetes: "0256.0.0.1") == nil)
    #expect(IPAddress(kubernetes: "0x0a.0.0.1") == nil)
    // The strict parser (nft-facing) keeps the IPv6 value and prints it as nft does.
    #expect(IPAddress("::ffff:1.2.3.4")?.description == "::ffff:1.2.3.4")
  }

  @Test(arguments: [
    ("::ffff:10.0.0.0/104", false, IPPrefix.KubernetesParse.prefix(IPPrefix("10.0.0.0/8")!)),
    ("::ffff:10.1.2.3/104", false, .prefix(IPPrefix("10.0.0.0/8")!)),
    ("::ffff:10.1.2.3/104", true, .hostBitsSet(masked: IPPrefix("10.0.0.0/8")!)),
    ("::ffff:10.0.0.1/128", true, .prefix(IPPrefix("10.0.0.1/32")!)),
    ("::ffff:0.0.0.0/96", true, .prefix(IPPrefix("0.0.0.0/0")!)),
    ("::ffff:10.0.0.0/95", false, .mappedPrefixTooShort(length: 95)),
    ("fd00::/64", true, .prefix(IPPrefix("fd00::/64")!)),
    ("10.0.0.1/8", true, .hostBitsSet(masked: IPPrefix("10.0.0.0/8")!)),
    ("10.0.0.0/33", false, .invalid),
    ("010.0.0.0/08", false, .prefix(IPPrefix("10.0.0.0/8")!)),
    ("010.0.0.0/8", true, .leadingZeros(canonical: IPPrefix("10.0.0.0/8")!)),
    ("10.0.0.0/08", true, .leadingZeros(canonical: IPPrefix("10.0.0.0/8")!)),
  ])
  func kubernetesPrefixes(text: String, strict: Bool, expected: IPPrefix.KubernetesParse) {
    #expect(IPPrefix.parseKubernetes(text, strict: strict) == expected)
  }
}

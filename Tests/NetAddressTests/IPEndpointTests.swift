// IPEndpoint's text (brackets for IPv6) and order (address, then port).
import NetAddress
import Testing

@Suite struct IPEndpointTests {
  @Test func textAndOrder() {
    let a = IPEndpoint(address: IPAddress("10.0.0.2")!, port: 80)
    let b = IPEndpoint(address: IPAddress("10.0.0.2")!, port: 443)
    let c = IPEndpoint(address: IPAddress("10.0.0.10")!, port: 1)
    let d = IPEndpoint(address: IPAddress("fd00::1")!, port: 53)
    #expect(a.description == "10.0.0.2:80")
    #expect(d.description == "[fd00::1]:53")
    #expect([d, c, b, a].sorted() == [a, b, c, d])
  }
}

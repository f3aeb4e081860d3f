// The userspace proxy's table values: how listen addresses and endpoints print and sort.
import NetAddress
import Testing

@testable import UserspaceProxy

@Suite struct ProxyTableTests {
  @Test func listenAddressesPrintAsSocketAddresses() throws {
    let v4 = ListenAddress(ip: try #require(IPAddress("10.0.0.1")), port: 80, transport: .tcp)
    let v6 = ListenAddress(ip: try #require(IPAddress("fd00::1")), port: 53, transport: .udp)
    #expect(v4.description == "10.0.0.1:80/TCP")
    #expect(v6.description == "[fd00::1]:53/UDP")
    #expect(ProxyEndpoint(address: v6.ip, port: 8080).description == "[fd00::1]:8080")
  }
}

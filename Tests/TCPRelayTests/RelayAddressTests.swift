// RelayAddress through a sockaddr and back for both families, its text, and RelayError's text.
import Glibc
import NetAddress
import Testing

@testable import TCPRelay

@Suite struct RelayAddressTests {
  @Test(arguments: ["10.1.2.3", "0.0.0.0", "255.255.255.255", "fd00::1:2", "::1", "::ffff:10.0.0.1", "2001:db8::ffff:1"])
  func anAddressSurvivesASockaddr(ip: String) throws {
    let address = RelayAddress(address: try #require(IPAddress(ip)), port: 40_123)
    var storage = sockaddr_storage()
    address.withSockAddr { pointer, length in
      withUnsafeMutableBytes(of: &storage) { $0.baseAddress!.copyMemory(from: pointer, byteCount: Int(length)) }
    }
    #expect(RelayAddress(&storage) == address)
  }

  @Test func textNamesBracketsForIPv6() {
    #expect(RelayAddress(address: IPAddress("10.0.0.1")!, port: 80).description == "10.0.0.1:80")
    #expect(RelayAddress(address: IPAddress("fd00::1")!, port: 80).description == "[fd00::1]:80")
  }

  @Test func errorsNameTheOperationTheObjectAndTheErrno() {
    let error = RelayError(operation: "bind", object: "10.0.0.1:80/TCP", code: EADDRINUSE)
    #expect(error.description == "bind 10.0.0.1:80/TCP: EADDRINUSE (Address already in use)")
  }
}

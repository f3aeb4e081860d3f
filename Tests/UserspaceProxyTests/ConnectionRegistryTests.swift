// ConnectionRegistry on EmbeddedChannels: O(1) add/remove keeps every other connection findable;
// counter shards sum field by field.
import NIOCore
import NIOEmbedded
import Testing

@testable import UserspaceProxy

@Suite struct ConnectionRegistryTests {
  @Test func removingSwapsTheLastIntoTheSlotAndEveryOtherStaysTracked() {
    var registry = ConnectionRegistry()
    let listenerA = ObjectIdentifier(EmbeddedChannel())
    let listenerB = ObjectIdentifier(EmbeddedChannel())
    let connections = (0..<5).map { TrackedConnection(channel: EmbeddedChannel(), listener: $0 < 3 ? listenerA : listenerB) }
    for connection in connections { registry.add(connection) }
    registry.remove(connections[1])
    registry.remove(connections[1])  // a second removal does nothing
    registry.remove(connections[4])
    #expect(registry.count == 3)
    #expect(Set(registry.connections.map(ObjectIdentifier.init)) == Set([0, 2, 3].map { ObjectIdentifier(connections[$0]) }))
    for (index, connection) in registry.connections.enumerated() { #expect(connection.slot == index) }
    #expect(registry.count(of: listenerA) == 2)
    #expect(registry.channels(of: listenerB).map(ObjectIdentifier.init) == [ObjectIdentifier(connections[3].channel)])
    registry.remove(connections[0])
    registry.remove(connections[2])
    registry.remove(connections[3])
    #expect(registry.count == 0)
  }

  @Test func shardsAreSummedFieldByField() {
    var one = ServicePortCounters()
    one.activeConnections = 2
    one.totalConnections = 5
    one.dialFailures = 1
    one.bytesFromClients = 10
    var two = ServicePortCounters()
    two.activeConnections = 3
    two.totalConnections = 3
    two.rejectedConnections = 4
    two.bytesToClients = 7
    let sum = ServicePortCounterCell.sum([one, two])
    #expect(sum.activeConnections == 5)
    #expect(sum.totalConnections == 8)
    #expect(sum.dialFailures == 1)
    #expect(sum.rejectedConnections == 4)
    #expect(sum.bytesFromClients == 10)
    #expect(sum.bytesToClients == 7)
  }
}

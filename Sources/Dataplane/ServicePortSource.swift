// What the agent's after-sync work (conntrack cleanup, health-check node ports) reads from a
// mode: the service ports it serves now, unsorted. Both modes provide them.
import ServiceProxy

/// A mode that can say which service ports it serves.
public protocol ServicePortSource: Sendable {
  var servicePorts: [ServicePortInfo] { get async }
}

extension NFTablesMode: ServicePortSource {}
extension UserspaceMode: ServicePortSource {}

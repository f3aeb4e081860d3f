// The agent's start-up probe of nf_tables with a set state file: the probe commits a batch of its
// own (a table added and deleted), which moves the generation; checked against the generation
// the file holds, it carries an exact file past that commit instead of making it stale.
import Foundation
import NFTNetlink
import NFTables

extension NFTablesProbe {
  /// As `run(namespace:)`, with the probe's batch checked against the ruleset generation: when
  /// `store` holds an exact file for that generation, the file is moved to the generation the
  /// probe produced (the probe touched nothing but its own table, and nobody committed in
  /// between: the kernel refuses the batch otherwise, and the probe is then tried again).
  public static func run(namespace: NetworkNamespace?, carrying store: SetStateStore?) -> DataplaneError? {
    guard let store else { return run(namespace: namespace) }
    let table = TableRef(family: .inet, name: "kproxy-probe-\(getpid())")
    var tx = Transaction()
    tx.add(.addTable(table, comment: nil))
    tx.add(.deleteTable(table))
    do {
      return try DataplaneError.mapping {
        let client = try NetlinkClient(namespace: namespace)
        let id = (try? NetlinkBackend.identity(client)) ?? nil
        for _ in 0..<3 {
          let before = try client.rulesetGeneration()
          let exact = id.map { store.lookup($0, generation: before).sets != nil } ?? false
          do {
            let produced = try client.apply(tx, knownSets: Ruleset(), expectingGeneration: before)
            if exact, let id, let produced { store.advance(id, to: produced) }
            return nil
          } catch let e as NetlinkError where e.isStaleGeneration {
            continue
          }
        }
        // Someone keeps committing: probe without the check (the file goes stale).
        try client.apply(tx)
        return nil
      }
    } catch let e as DataplaneError {
      return e
    } catch {
      return .injected("\(error)")
    }
  }
}

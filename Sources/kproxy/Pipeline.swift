// Wiring shared by the commands: load manifests and config, resolve the node, reconcile,
// compile. Errors come back as user-facing messages; no rule logic lives here.
import Foundation
import KubeAPI
import KubeSource
import NFTables
import ProxyRules
import ServiceProxy

/// A failure to report on stderr with exit status 2.
struct UserError: Error, CustomStringConvertible {
  var description: String
}

enum Pipeline {
  /// Objects from `paths`, compiled for the node described by `node`.
  /// With `verbose`, what was read and how the node was resolved goes to stderr.
  static func compile(paths: [String], node: NodeOptions, verbose: Bool = false) throws -> CompiledRuleset {
    let settings = try node.settings()
    var config: KubeProxyConfiguration?
    if let file = node.config {
      let text: String
      do {
        text = try String(contentsOfFile: file, encoding: .utf8)
      } catch {
        throw UserError(description: "\(file): cannot read: \(Self.reason(error))")
      }
      do {
        config = try KubeProxyConfiguration.decode(text, file: file)
      } catch {
        throw UserError(description: error.description)
      }
    }
    let objects: ObjectSet
    do {
      objects = try ManifestLoader().load(paths: paths)
    } catch {
      throw UserError(description: error.description)
    }
    let nodeConfig = settings.resolve(config: config, objects: objects, systemHostname: ProcessInfo.processInfo.hostName)
    let state = Reconciler.reconcile(objects, node: nodeConfig)
    let compiled = RulesetCompiler.compile(state, node: nodeConfig)
    if verbose {
      Output.debug(
        "read \(objects.services.count) services, \(objects.endpointSlices.count) endpointslices, \(objects.pods.count) pods, \(objects.nodes.count) nodes, \(objects.serviceCIDRs.count) servicecidrs; ignored \(objects.ignoredCount) objects of other kinds"
      )
      Output.debug(
        "node \(nodeConfig.hostname): node IPs [\(nodeConfig.nodeIPs.map(\.description).joined(separator: ", "))], cluster CIDRs [\(nodeConfig.clusterCIDRs.map(\.description).joined(separator: ", "))], service CIDRs [\(nodeConfig.serviceCIDRs.map(\.description).joined(separator: ", "))], NodePorts on \(nodeConfig.nodePortAddresses)"
      )
      for t in compiled.ruleset.tables {
        Output.debug(
          "table \(t.family.rawValue) \(t.name): \(t.chains.count) chains, \(t.chains.reduce(0) { $0 + $1.rules.count }) rules, \(t.sets.count) sets, \(t.sets.reduce(0) { $0 + $1.elements.count }) elements"
        )
      }
      Output.debug("\(state.servicePorts.count) service ports")
    }
    for w in compiled.warnings { Output.warn(w) }
    return compiled
  }

  static func reason(_ error: Error) -> String {
    let ns = error as NSError
    if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
      return String(cString: strerror(Int32(underlying.code)))
    }
    return ns.localizedDescription
  }
}

/// stdout/stderr writers. Nothing reaches stdout unless a command succeeds.
enum Output {
  static func write(_ text: String) {
    FileHandle.standardOutput.write(Data(text.utf8))
  }

  static func debug(_ text: String) {
    FileHandle.standardError.write(Data("kproxy: debug: \(text)\n".utf8))
  }

  static func warn(_ text: String) {
    FileHandle.standardError.write(Data("kproxy: warning: \(text)\n".utf8))
  }

  static func writeError(_ text: String) {
    FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
  }

  static func error(_ text: String) {
    FileHandle.standardError.write(Data("kproxy: error: \(text)\n".utf8))
  }
}

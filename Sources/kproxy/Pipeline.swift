// Wiring shared by the commands: load manifests and config, resolve the node, reconcile,
// compile. Errors come back as user-facing messages; no rule logic lives here.
import Foundation
import KubeAPI
import KubeSource
import NFTables
import NetAddress
import ProxyRules
import ServiceProxy

/// A failure to report on stderr with exit status 2.
struct UserError: Error, CustomStringConvertible {
  var description: String
}

/// How long each phase of `Pipeline.compile` took (`apply --timing`).
struct PipelinePhases {
  /// Reading and decoding the manifests (KubeAPI's decoder and validation).
  var load: Duration = .zero
  /// Reconciling the objects and compiling the ruleset.
  var compile: Duration = .zero
}

enum Pipeline {
  /// Objects from `paths`, compiled for the node described by `node`.
  /// With `requireServices` (apply without --allow-empty), input without a single Service is
  /// refused before anything is compiled. With `verbose`, what was read and how the node was resolved goes to stderr.
  static func compile(paths: [String], node: NodeOptions, verbose: Bool = false, requireServices: Bool = false) throws
    -> CompiledRuleset
  {
    var phases = PipelinePhases()
    return try compile(paths: paths, node: node, verbose: verbose, requireServices: requireServices, phases: &phases)
  }

  /// The same, recording how long loading and compiling took into `phases`.
  static func compile(
    paths: [String], node: NodeOptions, verbose: Bool = false, requireServices: Bool = false, phases: inout PipelinePhases
  ) throws -> CompiledRuleset {
    try compileResolvingNode(paths: paths, node: node, verbose: verbose, requireServices: requireServices, phases: &phases).0
  }

  /// The same, also returning the node the ruleset was compiled for and the reconciled state
  /// (`trace` needs the node's addresses, `sandbox` the service ports and endpoints).
  static func compileResolvingNode(
    paths: [String], node: NodeOptions, verbose: Bool = false, requireServices: Bool = false, phases: inout PipelinePhases
  ) throws -> (CompiledRuleset, NodeConfig, ProxyState) {
    let clock = ContinuousClock()
    let start = clock.now
    let settings = try node.settings()
    let (config, overlaps) = try node.configuration(settings: settings)
    for w in overlaps { try Output.warn(w) }
    let objects: ObjectSet
    var skipped: [String] = []
    do {
      objects = try ManifestLoader().load(paths: paths, warnings: &skipped)
    } catch {
      throw UserError(description: error.description)
    }
    let loaded = clock.now
    phases.load = loaded - start
    for w in skipped { try Output.warn(w) }
    // Objects read but skipped for a reason worth knowing (v1 Endpoints, an unknown apiVersion
    // of a kind kproxy reads), once each, naming them.
    for n in objects.notices { try Output.warn(n) }
    if requireServices && objects.services.isEmpty {
      throw UserError(description: EmptyInputRule.refusal(paths: paths))
    }
    let nodeConfig = settings.resolve(config: config, objects: objects, systemHostname: ProcessInfo.processInfo.hostName)
    let state = Reconciler.reconcile(objects, node: nodeConfig)
    let compiled = RulesetCompiler.compile(state, node: nodeConfig)
    phases.compile = clock.now - loaded
    if verbose {
      try Output.debug(
        "read \(objects.services.count) services, \(objects.endpointSlices.count) endpointslices, \(objects.pods.count) pods, \(objects.nodes.count) nodes, \(objects.serviceCIDRs.count) servicecidrs; \(objects.skippedSummary ?? "skipped nothing")"
      )
      try Output.debug(
        "node \(nodeConfig.hostname): node IPs [\(nodeConfig.nodeIPs.map(\.description).joined(separator: ", "))], cluster CIDRs [\(nodeConfig.clusterCIDRs.map(\.description).joined(separator: ", "))], service CIDRs [\(nodeConfig.serviceCIDRs.map(\.description).joined(separator: ", "))], NodePorts on \(nodeConfig.nodePortAddresses)"
      )
      for t in compiled.ruleset.tables {
        try Output.debug(
          "table \(t.family.rawValue) \(t.name): \(t.chains.count) chains, \(t.chains.reduce(0) { $0 + $1.rules.count }) rules, \(t.sets.count) sets, \(t.sets.reduce(0) { $0 + $1.elements.count }) elements"
        )
      }
      try Output.debug("\(state.servicePorts.count) service ports")
    }
    for w in compiled.warnings { try Output.warn(w) }
    return (compiled, nodeConfig, state)
  }
}

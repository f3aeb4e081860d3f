// `kproxy record`: watch the API server as the agent would and write what it sends to a folder;
// `kproxy replay`: feed a recording through the agent's store, trackers and incremental compiler
// and check after every event that the result equals a full compile.
import ArgumentParser
import Dataplane
import Foundation
import KubeAPI
import KubeSource
import NFTNetlink
import Recording

struct RecordCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "record",
    abstract: "Record the objects and change events the agent would watch, to replay them later.",
    discussion: """
      Lists and watches Services, EndpointSlices, Pods, this node's Node and ServiceCIDRs as \
      `kproxy run` does and writes every event as it arrives to DIR/events.jsonl (one JSON line: \
      seconds since the start, resource, event type, objects as kproxy decoded them), with \
      DIR/recording.json describing the recording. Stops after --duration, or on SIGINT/SIGTERM.
      Example: kproxy record --kubeconfig ~/.kube/config --out rec/ --duration 10m
      """)

  @Option(help: ArgumentHelp("A kubeconfig file (its current context).", valueName: "file")) var kubeconfig: String?
  @Option(help: ArgumentHelp("The API server's URL (overrides the kubeconfig's server).", valueName: "url")) var master: String?
  @Option(help: ArgumentHelp("The folder to write (created if missing).", valueName: "dir")) var out: String
  @Option(help: ArgumentHelp("How long to record (a Go duration: 30s, 10m). Default: until SIGINT or SIGTERM.", valueName: "duration"))
  var duration: String?
  @Option(
    name: .customLong("hostname-override"),
    help: ArgumentHelp("The node whose Node object is watched. Default: the host name.", valueName: "name"))
  var hostname: String?

  func validate() throws {
    if let duration, case .failure(let e) = GoDuration.seconds(duration) { throw ValidationError("--duration: \(e)") }
  }

  func run() throws {
    let connection: ClusterConnection
    do {
      connection = try ClusterConnection.fromFlags(kubeconfig: kubeconfig, master: master)
    } catch {
      throw UserError(description: "\(error)")
    }
    let seconds = try duration.map { try GoDuration.seconds($0).get() }
    let (out, hostname) = (out, hostname ?? ProcessInfo.processInfo.hostName)
    let count: Int
    do {
      count = try runBlocking(cancelOnSignals: true) {
        let client = try APIClient(connection: connection)
        defer { Task { try? await client.shutdown() } }
        return try await Recorder.record(
          client: client, server: connection.server, hostname: hostname, directory: out,
          duration: seconds.map { .milliseconds(Int64($0 * 1000)) })
      }
    } catch {
      throw UserError(description: "\(error)")
    }
    try Output.write("kproxy: recorded \(count) events to \(out)\n")
  }
}

struct ReplayCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "replay",
    abstract: "Replay a recording through the agent's pieces, checking the incremental result against a full compile after every event.",
    discussion: """
      The events go through the object store, the change trackers and the incremental compiler \
      of `kproxy run`, into an in-memory nf_tables, or into the kernel of a network namespace \
      with --netns (through netlink, as the agent does). After every event that changes \
      something, the tables are compared with a full compile of the objects seen so far. Exit \
      status: 0 every check passed; 1 a check failed (the differences are printed); 2 error.
      """)

  @Argument(help: ArgumentHelp("The recording's folder.", valueName: "dir")) var directory: String
  @OptionGroup(title: "Node options") var node: NodeOptions
  @Option(
    name: .customLong("netns"),
    help: ArgumentHelp("Replay into this network namespace's kernel instead of memory.", valueName: "name|path"))
  var netns: String?
  @Flag(name: .shortAndLong, help: "Print a line per event.") var verbose = false

  func run() throws {
    let recording: Recording
    do { recording = try Recording.load(directory: directory) } catch { throw UserError(description: error.description) }
    let settings = try node.settings()
    let (config, overlaps) = try node.configuration(settings: settings)
    for w in overlaps { try Output.warn(w) }
    let backend: TransactionBackend
    if let netns {
      let namespace = try KernelOptions.namespace(netns)
      do {
        backend = try DataplaneError.mapping { try NetlinkTransactionBackend(namespace: namespace) }
      } catch let e as DataplaneError { throw UserError(description: e.description) }
    } else {
      backend = InMemoryBackend()
    }
    let replayer = Replayer(recording: recording, settings: settings, config: config)
    let verbose = verbose
    let report: ReplayReport
    do {
      report = try runBlocking {
        try await replayer.run(backend: backend) { step in
          if verbose || !step.differences.isEmpty {
            let what = step.sync.map { "synced (\($0.full ? "full" : "partial"), \($0.commands) commands)" } ?? "no sync"
            try Output.writeError(
              "kproxy: event \(step.index + 1) at \(String(format: "%.3f", step.event.at)) s, \(step.event.resource): \(what)\(step.differences.isEmpty ? "" : "; DIFFERS from a full compile:")\n"
            )
            for d in step.differences.prefix(20) { try Output.writeError("  \(d)\n") }
          }
        }
      }
    } catch {
      throw UserError(description: "replay failed: \(error)")
    }
    try Output.write(
      "kproxy: replayed \(report.events) events, \(report.syncs) syncs, \(report.checks) checks against a full compile: \(report.mismatches.isEmpty ? "all equal" : "\(report.mismatches.count) differ")\n"
    )
    if !report.mismatches.isEmpty { throw ExitCode(1) }
  }
}

// The agent's logging: swift-log to stderr (info, or debug with -v), and how the hub's notices
// (source errors, rejected objects, interrupted watches) become log lines and metrics.
import AgentHTTP
import Dataplane
import Foundation
import Logging

enum AgentLog {
  /// A logger writing `kproxy: LEVEL: message` lines to stderr.
  static func make(verbose: Bool) -> Logger {
    var logger = Logger(label: "kproxy") { _ in StderrLogHandler() }
    logger.logLevel = verbose ? .debug : .info
    return logger
  }

  static func report(_ notice: HubNotice, logger: Logger, metrics: ProxyMetrics) {
    switch notice {
    case .sourceError(let source, let message):
      metrics.sourceError(source: source)
      logger.error("\(message) (the last good objects of \(source) stay in effect)")
    case .warning(let text):
      logger.warning("\(text)")
    case .interrupted(let source, let reason, let relist):
      let resource = String(source.dropFirst("api:".count))
      metrics.watchRestarted(resource: resource)
      if relist { metrics.relisted(resource: resource) }
      logger.warning("\(source): \(reason); \(relist ? "listing again" : "watching again")")
    case .rejected(let source, let message):
      metrics.objectRejected(source: source)
      logger.error("\(message) (skipped; its last valid version stays in effect)")
    }
  }
}

/// One line per message on stderr through the checked writer (a closed stderr never crashes).
struct StderrLogHandler: LogHandler {
  var logLevel: Logger.Level = .info
  var metadata: Logger.Metadata = [:]

  subscript(metadataKey key: String) -> Logger.Metadata.Value? {
    get { metadata[key] }
    set { metadata[key] = newValue }
  }

  func log(
    level: Logger.Level, message: Logger.Message, metadata: Logger.Metadata?, source: String, file: String, function: String,
    line: UInt
  ) {
    let stamp = ISO8601DateFormatter.string(from: Date(), timeZone: .gmt, formatOptions: [.withInternetDateTime, .withFractionalSeconds])
    try? Output.writeError("kproxy: \(stamp) \(level): \(message)")
  }
}

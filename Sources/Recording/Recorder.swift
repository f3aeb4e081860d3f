// `kproxy record`: lists and watches what the agent would (KubeResource.agentWatches) and writes
// every event, as it arrives, to DIR/events.jsonl; DIR/recording.json says what and from where.
import Foundation
import KubeAPI
import KubeSource

/// Appends event lines to the recording, one writer for every watch.
actor RecordingWriter {
  private let handle: FileHandle
  private let start = ContinuousClock.now
  private(set) var count = 0

  init(directory: String) throws(RecordingError) {
    let path = directory + "/events.jsonl"
    guard FileManager.default.createFile(atPath: path, contents: nil), let h = FileHandle(forWritingAtPath: path) else {
      throw .io("\(path): cannot be created")
    }
    handle = h
  }

  func write(_ event: ResourceEvent, resource: String) throws {
    let elapsed = ContinuousClock.now - start
    let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    let line = try RecordedEvent(at: seconds, resource: resource, event: event).jsonLine() + "\n"
    try handle.write(contentsOf: Data(line.utf8))
    count += 1
  }

  func close() throws { try handle.close() }
}

public enum Recorder {
  /// Records from `client` into `directory` (created if missing) until `duration` has passed or
  /// the task is cancelled; returns the number of events written.
  public static func record(client: APIClient, server: String, hostname: String, directory: String, duration: Duration?) async throws -> Int
  {
    do {
      try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    } catch {
      throw RecordingError.io("\(directory): cannot be created: \(error)")
    }
    let meta: [String: Any] = [
      "format": Recording.format, "server": server, "hostname": hostname,
      "startedAt": ISO8601DateFormatter().string(from: Date()),
      "resources": KubeResource.agentWatches(hostname: hostname).map { $0.0.name },
    ]
    let metaData = try JSONSerialization.data(withJSONObject: meta, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    do {
      try metaData.write(to: URL(fileURLWithPath: directory + "/recording.json"))
    } catch {
      throw RecordingError.io("\(directory)/recording.json: cannot be written: \(error)")
    }
    let writer = try RecordingWriter(directory: directory)
    // A failed write (a full disk) ends the recording with that error; nothing is dropped silently.
    try await withThrowingTaskGroup(of: Void.self) { group in
      for (resource, options) in KubeResource.agentWatches(hostname: hostname) {
        let events = ListWatch(client: client, resource: resource, options: options).events()
        group.addTask {
          for await event in events {
            if Task.isCancelled { break }
            do {
              try await writer.write(event, resource: resource.name)
            } catch {
              throw RecordingError.io("\(directory)/events.jsonl: cannot be written: \(error)")
            }
          }
        }
      }
      if let duration {
        group.addTask { try? await Task.sleep(for: duration) }
      }
      // The first task to end (the duration, or a failed write) ends the recording.
      try await group.next()
      group.cancelAll()
    }
    try await writer.close()
    return await writer.count
  }
}
